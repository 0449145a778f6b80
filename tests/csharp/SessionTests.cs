using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NUnit.Framework;

namespace Ai4u.Tests
{
    /// <summary>
    /// The session conformance vectors (tests/vectors/sessions, format in its README): the core
    /// replays each one through TickRequestor against a scripted in-memory controller and must
    /// send exactly the expected ticks at exactly the expected physics frames.
    /// </summary>
    [TestFixture]
    public class SessionTests
    {
        static string Dir { get { return Path.Combine(TestUtil.VectorDir, "sessions"); } }

        public static IEnumerable<string> SessionNames()
        {
            return Directory.GetFiles(Dir, "*.json").Select(Path.GetFileNameWithoutExtension).OrderBy(n => n);
        }

        static IList<object> L(object o) { return (IList<object>)o; }
        static Dictionary<string, object> D(object o) { return (Dictionary<string, object>)o; }
        static double Num(object o) { return o is long ? (long)o : (double)o; }

        [Test]
        public void AllSessionVectorsArePresent()
        {
            Assert.That(SessionNames().Count(), Is.GreaterThanOrEqualTo(15));
        }

        /// <summary>One agent's piece of the vector scene (see the README's table).</summary>
        sealed class SceneBody : IAgentBody
        {
            public float FrameReward;
            public long DefaultDoneAt, DoneAt, Episode, EpFrame, Applied;
            public float ActionSum;
            public float TurnSum;
            public bool EverReset;

            public void OnEpisodeBegin(Agent agent, List<Field> resetFields)
            {
                Episode++;
                EpFrame = Applied = 0;
                ActionSum = TurnSum = 0;
                EverReset = true;
                var f = Field.Find(resetFields, "done_at");
                DoneAt = f != null && f.Value.Kind == ValueKind.Int ? f.Value.IntValue : DefaultDoneAt;
            }

            public void ApplyAction(Agent agent, bool firstFrame)
            {
                var args = agent.GetActionArgs();
                float x = args.Count > 0 && args[0].Kind == ValueKind.FloatArray && args[0].FloatData.Length > 0 ? args[0].FloatData[0] : 0;
                switch (agent.GetActionName())
                {
                    case "move": Applied++; ActionSum += x; break;
                    case "turn": TurnSum += x; break;
                }
            }

            public void OnPhysicsFrame(Agent agent)
            {
                agent.AddReward(FrameReward);
                if (DoneAt > 0 && EpFrame >= DoneAt) agent.EndEpisode();
            }

            public void OnDecisionEnd(Agent agent) { }

            public void UpdateState(Agent agent)
            {
                agent.SetStateAsInt("episode", Episode);
                agent.SetStateAsInt("ep_frame", EpFrame);
                agent.SetStateAsInt("applied", Applied);
                agent.SetStateAsFloat("action_sum", ActionSum);
                agent.SetStateAsFloat("turn_sum", TurnSum);
            }
        }

        /// <summary>A controller answering the i-th tick with the i-th scripted reply, and closing when the script has none.</summary>
        sealed class ScriptTransport : ITransport
        {
            public Welcome Welcome;
            public List<Reply> Replies;      // null entry: close at that tick
            public Func<long> Frame;
            public readonly List<KeyValuePair<long, Tick>> Ticks = new List<KeyValuePair<long, Tick>>();
            public bool Bye, ClosedAtTick;

            public Welcome Open(Hello hello) { return Welcome; }

            public Reply Exchange(Tick tick)
            {
                Ticks.Add(new KeyValuePair<long, Tick>(Frame(), (Tick)WireReader.Decode(TestUtil.Encode(tick))));
                int i = Ticks.Count - 1;
                if (i >= Replies.Count || Replies[i] == null)
                {
                    ClosedAtTick = true;
                    throw new ConnectionLostException("the controller closed the connection");
                }
                return Replies[i];
            }

            public void SendBye(string reason) { Bye = true; }
            public void Close() { }
            public void Dispose() { }
        }

        static Value ConfigValue(Dictionary<string, object> j)
        {
            var kv = j.Single();
            switch (kv.Key)
            {
                case "Int": return Value.Int((long)kv.Value);
                case "Float": return Value.Float((float)Num(kv.Value));
                case "Bool": return Value.Bool((bool)kv.Value);
                case "String": return Value.String((string)kv.Value);
            }
            throw new FormatException("config value " + kv.Key + " is not used by the vectors");
        }

        static Command CommandOf(object j)
        {
            var s = j as string;
            if (s == "Reset") return Command.Reset();
            if (s != null) return Command.Simple((CommandKind)Enum.Parse(typeof(CommandKind), s));
            var d = D(j);
            if (d.ContainsKey("Act")) return Command.Act("move", new[] { Value.FloatArray(new[] { (float)Num(d["Act"]) }) });
            if (d.ContainsKey("Acts"))
                return Command.Act("", new Value[0], D(d["Acts"]).Select(kv => new Field(kv.Key, Value.FloatArray(new[] { (float)Num(kv.Value) }))));
            var r = D(d["Reset"]);
            return Command.Reset(r.Select(kv => new Field(kv.Key, Value.Int((long)kv.Value))));
        }

        static readonly string[] StatusNames = { "idle", "new_episode", "step", "paused" };

        static string Describe(long frame, Tick t)
        {
            var sb = new StringBuilder("frame " + frame + " seq " + t.Seq + ":");
            foreach (var a in t.Agents)
            {
                sb.Append(" [" + a.Id + " " + StatusNames[(int)a.Status] + " steps " + a.Steps + " reward " + a.Reward.ToString("R")
                          + (a.Done ? " done" : "") + (a.Truncated ? " truncated" : ""));
                foreach (var f in a.Fields)
                    sb.Append(" " + f.Name + "=" + (f.Value.Kind == ValueKind.Int ? f.Value.IntValue.ToString() : f.Value.AsFloat().ToString("R")));
                sb.Append("]");
            }
            return sb.ToString();
        }

        static string DescribeWanted(Dictionary<string, object> e)
        {
            var t = D(e["tick"]);
            var sb = new StringBuilder("frame " + (long)e["frame"] + " seq " + (long)t["seq"] + ":");
            foreach (var o in L(t["agents"]))
            {
                var a = D(o);
                sb.Append(" [" + a["id"] + " " + a["status"] + " steps " + (long)a["steps"] + " reward " + ((float)Num(a["reward"])).ToString("R")
                          + ((bool)a["done"] ? " done" : "") + ((bool)a["truncated"] ? " truncated" : ""));
                foreach (var f in D(a["fields"]).OrderBy(kv => FieldOrder(kv.Key)))
                    sb.Append(" " + f.Key + "=" + (f.Value is long ? f.Value.ToString() : ((float)Num(f.Value)).ToString("R")));
                sb.Append("]");
            }
            return sb.ToString();
        }

        static int FieldOrder(string name) { return Array.IndexOf(new[] { "episode", "ep_frame", "applied", "action_sum", "turn_sum" }, name); }

        [TestCaseSource("SessionNames")]
        public void ReplaysExactly(string name)
        {
            var v = D(Json.Parse(File.ReadAllText(Path.Combine(Dir, name + ".json"))));
            var scene = D(v["scene"]);
            var bodies = new List<SceneBody>();
            var agents = new List<Agent>();
            foreach (var o in L(scene["agents"]))
            {
                var a = D(o);
                var body = new SceneBody { FrameReward = (float)Num(a["reward"]), DefaultDoneAt = (long)a["done_at"] };
                bodies.Add(body);
                agents.Add(new Agent((string)a["id"], new ModelMetadata(), body)
                {
                    MaxSteps = (uint)(long)a["max_steps"],
                    FrameSkip = (int)(long)scene["frame_skip"],
                    RepeatAction = (bool)scene["repeat_action"],
                });
            }
            ScriptTransport transport = null;
            var requestor = new TickRequestor(new ConnectionSettings(), agents, () => transport);
            int si = 0;
            foreach (var so in L(v["sessions"]))
            {
                var session = D(so);
                long frame = 0;
                var welcome = new Welcome { Mode = (string)session["mode"] == "realtime" ? Mode.Realtime : Mode.Lockstep };
                foreach (var c in L(session["config"]))
                {
                    var cfg = D(c);
                    welcome.Agents.Add(new AgentConfig
                    {
                        Id = (string)cfg["id"],
                        Fields = L(cfg["fields"]).Select(f => new Field((string)D(f)["name"], ConfigValue(D(D(f)["value"])))).ToList(),
                    });
                }
                var exchanges = L(session["exchanges"]).Select(D).ToList();
                var replies = exchanges.Select(e =>
                {
                    if (!e.ContainsKey("reply")) return null;
                    var r = new Reply { Seq = (ulong)(long)D(e["tick"])["seq"] };
                    foreach (var kv in D(e["reply"])) r.Commands.Add(new AgentCommand { Id = kv.Key, Command = CommandOf(kv.Value) });
                    return r;
                }).ToList();
                transport = new ScriptTransport { Welcome = welcome, Replies = replies, Frame = () => frame };
                requestor.Connect();
                // A hang guard only: every session ends within a few dozen frames.
                for (int guard = 0; guard < 10000; guard++)
                {
                    try
                    {
                        if (!requestor.Step()) break;
                    }
                    catch (ConnectionLostException)
                    {
                        break;
                    }
                    frame++;
                    foreach (var b in bodies.Where(b => b.EverReset)) b.EpFrame++;
                }
                for (int k = 0; k < exchanges.Count; k++)
                {
                    var want = DescribeWanted(exchanges[k]);
                    var got = k < transport.Ticks.Count ? Describe(transport.Ticks[k].Key, transport.Ticks[k].Value) : "no tick";
                    Assert.AreEqual(want, got, name + ": session " + si + ", exchange " + k);
                }
                Assert.AreEqual(exchanges.Count, transport.Ticks.Count, name + ": session " + si + ": ticks sent");
                var end = transport.ClosedAtTick ? "close" : transport.Bye ? "bye" : "neither bye nor close";
                Assert.AreEqual((string)session["end"], end, name + ": session " + si + ": how it ended");
                si++;
            }
        }
    }
}
