using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NUnit.Framework;

namespace Ai4u.Tests
{
    /// <summary>The golden vectors of tests/vectors: byte-identical round trips and the decoded content against the .json description.</summary>
    [TestFixture]
    public class VectorTests
    {
        public static IEnumerable<string> VectorNames()
        {
            return Directory.GetFiles(TestUtil.VectorDir, "*.bin").Select(Path.GetFileNameWithoutExtension).OrderBy(n => n);
        }

        [Test]
        public void AllVectorsArePresent()
        {
            // Guards the data-driven tests below against silently running on an empty directory.
            var names = VectorNames().ToList();
            Assert.That(names.Count, Is.GreaterThanOrEqualTo(25), "vectors found: " + string.Join(", ", names));
            foreach (var n in names)
                Assert.That(File.Exists(Path.Combine(TestUtil.VectorDir, n + ".json")), n + ".json is missing");
        }

        [TestCaseSource("VectorNames")]
        public void DecodesAndReencodesByteIdentically(string name)
        {
            var bin = File.ReadAllBytes(Path.Combine(TestUtil.VectorDir, name + ".bin"));
            var json = (Dictionary<string, object>)Json.Parse(File.ReadAllText(Path.Combine(TestUtil.VectorDir, name + ".json")));
            Assert.AreEqual((string)json["payload_hex"], TestUtil.Hex(bin), "the .bin and the .json's payload_hex differ");
            Assert.AreEqual((long)json["payload_len"], bin.Length);

            var msg = WireReader.Decode(bin);
            var again = TestUtil.Encode(msg);
            Assert.AreEqual(TestUtil.Hex(bin), TestUtil.Hex(again), "re-encoding changed the bytes");

            // Framed form: header = payload length, then the same bytes.
            var w = new WireWriter(8);
            w.WriteFrame(msg);
            Assert.AreEqual(bin.Length + 4, w.Length);
            Assert.AreEqual(bin.Length, (int)BitConverter.ToUInt32(w.Buffer, 0));
        }

        [TestCaseSource("VectorNames")]
        public void DecodedContentMatchesTheDescription(string name)
        {
            var bin = File.ReadAllBytes(Path.Combine(TestUtil.VectorDir, name + ".bin"));
            var json = (Dictionary<string, object>)Json.Parse(File.ReadAllText(Path.Combine(TestUtil.VectorDir, name + ".json")));
            var msg = WireReader.Decode(bin);
            Assert.AreEqual((string)json["kind"], msg.Kind.ToString());
            var body = (Dictionary<string, object>)((Dictionary<string, object>)json["message"])[(string)json["kind"]];
            MessageChecks.Check(msg, body, name);
        }

        [Test]
        public void NameMaxHoldsA256ByteFieldName()
        {
            var msg = (Tick)WireReader.Decode(File.ReadAllBytes(Path.Combine(TestUtil.VectorDir, "name_max.bin")));
            var name = msg.Agents[0].Fields[0].Name;
            Assert.AreEqual(128, name.Length);
            Assert.AreEqual(256, System.Text.Encoding.UTF8.GetByteCount(name));
            // One byte less in the limit refuses it, naming what was read.
            var ex = Assert.Throws<ProtocolException>(() =>
                WireReader.Decode(File.ReadAllBytes(Path.Combine(TestUtil.VectorDir, "name_max.bin")), new Limits { MaxNameLength = 255 }));
            Assert.AreEqual("field name is 256 bytes long, limit is 255", ex.Message);
        }

        [Test]
        public void EncodesTheSampleSceneHelloFromTheSpec()
        {
            // Built from SampleSceneSpec rather than decoded: proves the metadata the Unity
            // and headless scenes declare is byte-for-byte the one of the golden vector.
            var hello = new Hello { Engine = "unity", EngineVersion = "2022.3.1f1", Token = "s3cret", Mode = Mode.Realtime };
            foreach (var id in new[] { "0", "1" })
                hello.Agents.Add(new AgentInfo { Id = id, MaxSteps = 3000, Metadata = SampleSceneSpec.Metadata() });
            var expected = File.ReadAllBytes(Path.Combine(TestUtil.VectorDir, "hello_samplescene.bin"));
            Assert.AreEqual(TestUtil.Hex(expected), TestUtil.Hex(TestUtil.Encode(hello)));
        }

        [Test]
        public void EncodesReplyMoveFromTheApi()
        {
            var reply = new Reply { Seq = 42 };
            reply.Commands.Add(new AgentCommand
            {
                Id = "0",
                Command = Command.Act("move", new[] { Value.FloatArray(new[] { 1f, 0.5f, 0f, 0f }) }),
            });
            var expected = File.ReadAllBytes(Path.Combine(TestUtil.VectorDir, "reply_move.bin"));
            Assert.AreEqual(TestUtil.Hex(expected), TestUtil.Hex(TestUtil.Encode(reply)));
        }
    }

    /// <summary>Deep comparison of a decoded message with the serde JSON of the Rust type.</summary>
    static class MessageChecks
    {
        static IList<object> L(object o) { return (IList<object>)o; }
        static Dictionary<string, object> D(object o) { return (Dictionary<string, object>)o; }

        public static void Check(Message msg, Dictionary<string, object> j, string ctx)
        {
            switch (msg.Kind)
            {
                case MessageKind.Hello:
                {
                    var h = (Hello)msg;
                    Assert.AreEqual((long)j["magic"], (long)h.Magic, ctx);
                    Assert.AreEqual((long)j["version"], (long)h.Version, ctx);
                    Assert.AreEqual(j["engine"], h.Engine, ctx);
                    Assert.AreEqual(j["engine_version"], h.EngineVersion, ctx);
                    Assert.AreEqual(j["token"], h.Token, ctx);
                    Assert.AreEqual(j["mode"], h.Mode.ToString(), ctx);
                    var agents = L(j["agents"]);
                    Assert.AreEqual(agents.Count, h.Agents.Count, ctx);
                    for (int i = 0; i < agents.Count; i++)
                    {
                        var a = D(agents[i]);
                        Assert.AreEqual(a["id"], h.Agents[i].Id, ctx);
                        Assert.AreEqual((long)a["max_steps"], (long)h.Agents[i].MaxSteps, ctx);
                        var m = D(a["metadata"]);
                        var ins = L(m["inputs"]);
                        Assert.AreEqual(ins.Count, h.Agents[i].Metadata.Inputs.Count, ctx);
                        for (int k = 0; k < ins.Count; k++)
                        {
                            var ji = D(ins[k]);
                            var ci = h.Agents[i].Metadata.Inputs[k];
                            Assert.AreEqual(ji["name"], ci.Name, ctx);
                            Assert.AreEqual(ji["kind"], ci.Kind.ToString(), ctx);
                            Assert.AreEqual(Ints(ji["shape"]), ci.Shape, ctx);
                            AssertFloat(ji["range_min"], ci.RangeMin, ctx);
                            AssertFloat(ji["range_max"], ci.RangeMax, ctx);
                        }
                        var outs = L(m["outputs"]);
                        Assert.AreEqual(outs.Count, h.Agents[i].Metadata.Outputs.Count, ctx);
                        for (int k = 0; k < outs.Count; k++)
                        {
                            var jo = D(outs[k]);
                            var co = h.Agents[i].Metadata.Outputs[k];
                            Assert.AreEqual(jo["name"], co.Name, ctx);
                            Assert.AreEqual(jo["continuous"], co.Continuous, ctx);
                            Assert.AreEqual(Ints(jo["shape"]), co.Shape, ctx);
                            AssertFloats(jo["range_min"], co.RangeMin, ctx);
                            AssertFloats(jo["range_max"], co.RangeMax, ctx);
                        }
                    }
                    break;
                }
                case MessageKind.Welcome:
                {
                    var w = (Welcome)msg;
                    Assert.AreEqual((long)j["version"], (long)w.Version, ctx);
                    Assert.AreEqual(j["mode"], w.Mode.ToString(), ctx);
                    var agents = L(j["agents"]);
                    Assert.AreEqual(agents.Count, w.Agents.Count, ctx);
                    for (int i = 0; i < agents.Count; i++)
                    {
                        Assert.AreEqual(D(agents[i])["id"], w.Agents[i].Id, ctx);
                        CheckFields(D(agents[i])["fields"], w.Agents[i].Fields, ctx);
                    }
                    break;
                }
                case MessageKind.Reject: Assert.AreEqual(j["reason"], ((Reject)msg).Reason, ctx); break;
                case MessageKind.Bye: Assert.AreEqual(j["reason"], ((Bye)msg).Reason, ctx); break;
                case MessageKind.Error: Assert.AreEqual(j["reason"], ((ErrorMessage)msg).Reason, ctx); break;
                case MessageKind.Tick:
                {
                    var t = (Tick)msg;
                    Assert.AreEqual(U64(j["seq"]), t.Seq, ctx);
                    var agents = L(j["agents"]);
                    Assert.AreEqual(agents.Count, t.Agents.Count, ctx);
                    for (int i = 0; i < agents.Count; i++)
                    {
                        var a = D(agents[i]);
                        var s = t.Agents[i];
                        Assert.AreEqual(a["id"], s.Id, ctx);
                        Assert.AreEqual(a["status"], s.Status.ToString(), ctx);
                        AssertFloat(a["reward"], s.Reward, ctx);
                        Assert.AreEqual(a["done"], s.Done, ctx);
                        Assert.AreEqual(a["truncated"], s.Truncated, ctx);
                        Assert.AreEqual((long)a["steps"], (long)s.Steps, ctx);
                        CheckFields(a["fields"], s.Fields, ctx);
                    }
                    break;
                }
                case MessageKind.Reply:
                {
                    var r = (Reply)msg;
                    Assert.AreEqual(U64(j["seq"]), r.Seq, ctx);
                    var cmds = L(j["commands"]);
                    Assert.AreEqual(cmds.Count, r.Commands.Count, ctx);
                    for (int i = 0; i < cmds.Count; i++)
                    {
                        var jc = D(cmds[i]);
                        var cc = r.Commands[i];
                        Assert.AreEqual(jc["id"], cc.Id, ctx);
                        var cmd = jc["command"];
                        if (cmd is string)
                        {
                            Assert.AreEqual(cmd, cc.Command.Kind.ToString(), ctx);
                            continue;
                        }
                        var kind = D(cmd).Keys.Single();
                        Assert.AreEqual(kind, cc.Command.Kind.ToString(), ctx);
                        var body = D(D(cmd)[kind]);
                        CheckFields(body["fields"], cc.Command.Fields, ctx);
                        if (cc.Command.Kind == CommandKind.Act)
                        {
                            Assert.AreEqual(body["name"], cc.Command.ActionName, ctx);
                            var args = L(body["args"]);
                            Assert.AreEqual(args.Count, cc.Command.Args.Count, ctx);
                            for (int k = 0; k < args.Count; k++) CheckValue(args[k], cc.Command.Args[k], ctx);
                        }
                    }
                    break;
                }
            }
        }

        static void CheckFields(object j, List<Field> fields, string ctx)
        {
            var list = L(j);
            Assert.AreEqual(list.Count, fields.Count, ctx + ": field count");
            for (int i = 0; i < list.Count; i++)
            {
                Assert.AreEqual(D(list[i])["name"], fields[i].Name, ctx);
                CheckValue(D(list[i])["value"], fields[i].Value, ctx + ": field " + fields[i].Name);
            }
        }

        static void CheckValue(object j, Value v, string ctx)
        {
            var d = D(j);
            var kind = d.Keys.Single();
            Assert.AreEqual(kind, v.Kind.ToString(), ctx);
            var b = d[kind];
            switch (v.Kind)
            {
                case ValueKind.Float: AssertFloat(b, v.FloatValue, ctx); break;
                case ValueKind.Int: Assert.AreEqual((long)b, v.IntValue, ctx); break;
                case ValueKind.Bool: Assert.AreEqual(b, v.BoolValue, ctx); break;
                case ValueKind.String: Assert.AreEqual(b, v.StringValue, ctx); break;
                case ValueKind.Bytes: Assert.AreEqual(Bytes(b), v.ByteData, ctx); break;
                case ValueKind.FloatArray:
                    Assert.AreEqual(Ints(D(b)["shape"]), v.Shape, ctx);
                    AssertFloats(D(b)["data"], v.FloatData, ctx);
                    break;
                case ValueKind.IntArray:
                    Assert.AreEqual(Ints(D(b)["shape"]), v.Shape, ctx);
                    Assert.AreEqual(Ints(D(b)["data"]), v.IntData, ctx);
                    break;
                case ValueKind.Image:
                    var img = D(b);
                    Assert.AreEqual((long)img["width"], (long)v.Width, ctx);
                    Assert.AreEqual((long)img["height"], (long)v.Height, ctx);
                    Assert.AreEqual((long)img["channels"], (long)v.Channels, ctx);
                    Assert.AreEqual(img["pixel"], v.Pixel.ToString(), ctx);
                    Assert.AreEqual(img["encoding"], v.Encoding.ToString(), ctx);
                    Assert.AreEqual(Bytes(img["data"]), v.ByteData, ctx);
                    break;
            }
        }

        static ulong U64(object j) { return j is ulong ? (ulong)j : (ulong)(long)j; }

        static int[] Ints(object j) { return L(j).Select(x => (int)(long)x).ToArray(); }
        static byte[] Bytes(object j) { return L(j).Select(x => (byte)(long)x).ToArray(); }

        static float ToFloat(object j)
        {
            var s = j as string;
            if (s == "NaN") return float.NaN;
            if (s == "inf") return float.PositiveInfinity;
            if (s == "-inf") return float.NegativeInfinity;
            return j is long ? (float)(long)j : (float)(double)j;
        }

        static void AssertFloat(object j, float actual, string ctx)
        {
            float expected = ToFloat(j);
            if (float.IsNaN(expected)) Assert.That(float.IsNaN(actual), ctx + ": expected NaN, got " + actual);
            else Assert.AreEqual(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(actual), ctx + ": expected " + expected + ", got " + actual);
        }

        static void AssertFloats(object j, float[] actual, string ctx)
        {
            var list = L(j);
            Assert.AreEqual(list.Count, actual.Length, ctx);
            for (int i = 0; i < list.Count; i++) AssertFloat(list[i], actual[i], ctx + "[" + i + "]");
        }
    }
}
