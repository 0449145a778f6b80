using System;
using System.IO;
using System.Linq;
using NUnit.Framework;

namespace Ai4u.Tests
{
    /// <summary>Hostile or broken payloads: every one is a ProtocolException naming what was read, never an allocation blow-up.</summary>
    [TestFixture]
    public class MalformedTests
    {
        static byte[] Vector(string name) { return File.ReadAllBytes(Path.Combine(TestUtil.VectorDir, name + ".bin")); }

        static ProtocolException Refused(byte[] payload, Limits limits = null)
        {
            return Assert.Throws<ProtocolException>(() => WireReader.Decode(payload, limits));
        }

        [Test]
        public void EveryTruncationOfEveryVectorIsRefused()
        {
            foreach (var file in Directory.GetFiles(TestUtil.VectorDir, "*.bin"))
            {
                var bin = File.ReadAllBytes(file);
                for (int n = 0; n < bin.Length; n++)
                {
                    var cut = bin.Take(n).ToArray();
                    try
                    {
                        WireReader.Decode(cut, 0, cut.Length, null);
                        Assert.Fail(Path.GetFileName(file) + " cut to " + n + " bytes decoded");
                    }
                    catch (ProtocolException e)
                    {
                        Assert.That(e.Message, Is.StringContaining("truncated").Or.StringContaining("empty frame"),
                            Path.GetFileName(file) + " cut to " + n + ": " + e.Message);
                    }
                }
            }
        }

        [Test]
        public void TruncatedTickNamesWhatWasBeingRead()
        {
            var bin = Vector("value_float");
            var e = Refused(bin.Take(bin.Length - 2).ToArray());
            Assert.AreEqual("message truncated while reading float value: needed 4 more bytes, 2 left", e.Message);
        }

        [Test]
        public void TrailingBytesAreRefused()
        {
            var bin = Vector("bye").Concat(new byte[] { 0 }).ToArray();
            Assert.AreEqual("1 trailing bytes after a complete Bye message", Refused(bin).Message);
        }

        [Test]
        public void HugeCountsAreRefusedBeforeAllocating()
        {
            // A tick claiming u64::MAX agents in a 20-byte payload.
            var p = TestUtil.FromHex("03000000" + "0000000000000000" + "ffffffffffffffff");
            Assert.AreEqual("tick agents has 18446744073709551615 entries, limit is 4096", Refused(p).Message);

            // Within the limit, but more than the bytes left can hold.
            p = TestUtil.FromHex("03000000" + "0000000000000000" + "0010000000000000");
            StringAssert.StartsWith("message truncated while reading tick agents: needed ", Refused(p).Message);

            // A bytes value whose length claims 2^62: refused against the bytes left, no 4 EB allocation.
            var tick = Vector("value_bytes_empty");
            var len = BitConverter.GetBytes((ulong)1 << 62);
            Array.Copy(len, 0, tick, tick.Length - 8, 8);
            Assert.AreEqual("message truncated while reading bytes value: needed 4611686018427387904 more bytes, 0 left", Refused(tick).Message);

            // A float array whose count would overflow count × 4.
            var fa = Vector("value_float_array_empty");
            Array.Copy(BitConverter.GetBytes(ulong.MaxValue), 0, fa, fa.Length - 8, 8);
            StringAssert.StartsWith("message truncated while reading float array: needed ", Refused(fa).Message);
        }

        [Test]
        public void ShapeAndDataMustAgree()
        {
            var bin = Vector("value_int_array"); // shape [2, 3], 6 ints
            int shapeAt = FindSequence(bin, TestUtil.FromHex("0200000000000000" + "02000000" + "03000000"));
            Assert.That(shapeAt, Is.GreaterThan(0));
            bin[shapeAt + 8] = 5; // shape [5, 3]
            Assert.AreEqual("int array: shape [5, 3] does not hold 6 elements", Refused(bin).Message);
        }

        [Test]
        public void RankIsLimited()
        {
            var p = new WireWriter();
            p.U32(3); p.U64(0); p.U64(1);                     // tick, seq 0, 1 agent
            p.String("0"); p.U32(2); p.F32(0); p.Bool(false); p.Bool(false); p.U32(0);
            p.U64(1); p.String("v"); p.U32(5);                 // one float-array field
            p.U64(17);                                         // rank 17
            for (int i = 0; i < 17; i++) p.U32(1);
            p.U64(1); p.F32(1);
            Assert.AreEqual("float array shape has 17 entries, limit is 16", Refused(p.ToArray()).Message);
        }

        [Test]
        public void BadTagsAreRefused()
        {
            Assert.AreEqual("unknown message tag 9", Refused(new byte[] { 9, 0, 0, 0 }).Message);

            var bin = Vector("value_float");
            bin[bin.Length - 8] = 8; // the value tag
            Assert.AreEqual("unknown value tag 8", Refused(bin).Message);

            var reply = Vector("reply_move");
            reply[4 + 8 + 8 + 8 + 1] = 6; // the command tag after id "0"
            Assert.AreEqual("unknown command tag 6", Refused(reply).Message);

            var welcome = Vector("welcome");
            welcome[6] = 2; // mode
            Assert.AreEqual("unknown mode tag 2", Refused(welcome).Message);
        }

        [Test]
        public void BadBoolOptionAndUtf8AreRefused()
        {
            var bin = Vector("value_bool");
            bin[bin.Length - 1] = 2;
            Assert.AreEqual("invalid bool byte 2 while reading bool value (must be 0 or 1)", Refused(bin).Message);

            var hello = Vector("hello_minimal");
            hello[4 + 4 + 2 + 8 + 8 + 8 + 5] = 7; // token option byte
            Assert.AreEqual("invalid option tag 7 while reading token (must be 0 or 1)", Refused(hello).Message);

            var bye = Vector("bye");
            bye[12] = 0xff;
            Assert.AreEqual("bye reason is not valid UTF-8", Refused(bye).Message);
        }

        [Test]
        public void RawImageSizeMustMatch()
        {
            var w = new WireWriter();
            w.U32(3); w.U64(0); w.U64(1);
            w.String("0"); w.U32(2); w.F32(0); w.Bool(false); w.Bool(false); w.U32(0);
            w.U64(1); w.String("cam"); w.U32(7);
            w.U32(2); w.U32(2); w.U32(3); w.U32(0); w.U32(0); // 2x2 RGB u8 raw needs 12 bytes
            w.Bytes(new byte[11]);
            Assert.AreEqual("image: raw image 2x2x3 of U8 needs 12 bytes, has 11", Refused(w.ToArray()).Message);
        }

        [Test]
        public void FrameLimitIsCheckedOnTheLength()
        {
            var p = Vector("bye");
            Assert.AreEqual("frame of 24 bytes exceeds the limit of 16 bytes", Refused(p, new Limits { MaxFrameLength = 16 }).Message);
            Assert.AreEqual("empty frame", Refused(new byte[0]).Message);
        }

        static int FindSequence(byte[] hay, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= hay.Length; i++)
            {
                int k = 0;
                while (k < needle.Length && hay[i + k] == needle[k]) k++;
                if (k == needle.Length) return i;
            }
            return -1;
        }
    }
}
