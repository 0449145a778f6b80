using NUnit.Framework;

namespace Ai4u.Tests
{
    /// <summary>The engine side of the blank-frame guard, as Unity's camera sensors use it.</summary>
    [TestFixture]
    public class BlankFrameTests
    {
        static byte[] Frame(byte v, bool horizon)
        {
            var data = new byte[16 * 12 * 3];
            for (int i = 0; i < data.Length; i++) data[i] = horizon && i / 3 / 16 >= 6 ? (byte)40 : v;
            return data;
        }

        [Test]
        public void AOneColourCameraIsSaidOnceAfterTheRunAndAFrameWithContentEndsTheRun()
        {
            var g = new BlankFrameGuard(5);
            for (int i = 1; i < 5; i++) Assert.IsNull(g.Observe("left", Frame(128, false), 3), "frame " + i);
            StringAssert.Contains("camera `left` has sent 5 frames of one colour", g.Observe("left", Frame(128, false), 3));
            Assert.IsNull(g.Observe("left", Frame(128, false), 3), "said once");
            Assert.AreEqual(6, g.BlankRun);
            Assert.IsNull(g.Observe("left", Frame(128, true), 3));
            Assert.AreEqual(0, g.BlankRun);
        }

        [Test]
        public void TheSpreadSampleSeesRowsAndGreyFrames()
        {
            Assert.IsFalse(BlankFrameGuard.LooksBlank(Frame(128, true), 3));
            Assert.IsTrue(BlankFrameGuard.LooksBlank(Frame(0, false), 3));
            Assert.IsTrue(BlankFrameGuard.LooksBlank(new byte[] { 9, 9, 9, 9 }, 1));
            Assert.IsFalse(BlankFrameGuard.LooksBlank(new byte[] { 9, 9, 9, 8 }, 1));
            Assert.IsTrue(BlankFrameGuard.LooksBlank(new byte[0], 3));
        }
    }
}
