using System;
using System.Collections.Generic;
using System.Linq;
using Ai4u.Tests.Headless;
using NUnit.Framework;

namespace Ai4u.Tests
{
    /// <summary>The headless SampleScene follows docs/SAMPLESCENE.md (it is the C# reference the Unity scene mirrors).</summary>
    [TestFixture]
    public class HeadlessSceneTests
    {
        static List<Field> Seed(long s) { return new List<Field> { new Field("seed", Value.Int(s)) }; }

        static HeadlessSampleScene.AgentBody Body(int area, out Agent agent)
        {
            var scene = new HeadlessSampleScene(area + 1);
            agent = scene.Agents[area];
            return scene.Bodies[area];
        }

        [Test]
        public void SeedsMakeStartsReproducibleAndWithinTheRules()
        {
            Agent agent;
            var b = Body(1, out agent);
            var starts = new List<string>();
            foreach (var seed in new long[] { 5, 6, 5 })
            {
                b.OnEpisodeBegin(agent, Seed(seed));
                starts.Add(string.Format("{0} {1} {2} {3} {4}", b.X, b.Z, b.Yaw, b.TargetX, b.TargetZ));
                float cx = SampleSceneSpec.AreaCentreX(1);
                Assert.That(Math.Abs(b.X - cx), Is.LessThanOrEqualTo(7f));
                Assert.That(Math.Abs(b.Z), Is.LessThanOrEqualTo(7f));
                Assert.That(Math.Abs(b.TargetX - cx), Is.LessThanOrEqualTo(8f));
                Assert.That(Math.Sqrt(Math.Pow(b.TargetX - b.X, 2) + Math.Pow(b.TargetZ - b.Z, 2)), Is.GreaterThanOrEqualTo(4.0));
            }
            Assert.AreEqual(starts[0], starts[2], "same seed, same start");
            Assert.AreNotEqual(starts[0], starts[1], "another seed, another start");
        }

        [Test]
        public void VisionSeesTheTargetAheadAndTheFloorBelow()
        {
            Agent agent;
            var b = Body(0, out agent);
            b.X = 0; b.Z = 0; b.Y = 0; b.Yaw = 0; // facing +Z
            b.TargetX = 0; b.TargetZ = 4;
            var v = b.CastVision();
            Func<int, int, float> code = (r, c) => v[r * 10 + c];
            // The centre columns (yaw -5° and +5°) of the rows aimed at about 4 m see the cube.
            Assert.IsTrue(Enumerable.Range(0, 10).Any(r => code(r, 4) == SampleSceneSpec.CodeTarget && code(r, 5) == SampleSceneSpec.CodeTarget));
            // The edge columns (±45°) miss it; the bottom row is floor everywhere, the top row (5° down) reaches nothing within 15 m.
            Assert.IsTrue(Enumerable.Range(0, 10).All(r => code(r, 0) != SampleSceneSpec.CodeTarget && code(r, 9) != SampleSceneSpec.CodeTarget));
            Assert.IsTrue(Enumerable.Range(0, 10).All(c => code(9, c) == SampleSceneSpec.CodeFloor));
            Assert.IsTrue(Enumerable.Range(0, 10).All(c => code(0, c) == SampleSceneSpec.CodeNothing));

            // Turned right by 30°, the cube moves to the left columns.
            b.Yaw = 30;
            v = b.CastVision();
            var cols = Enumerable.Range(0, 10).Where(c => Enumerable.Range(0, 10).Any(r => v[r * 10 + c] == SampleSceneSpec.CodeTarget)).ToList();
            Assert.IsNotEmpty(cols);
            Assert.That(cols.Average(), Is.LessThan(4.5), "positive yaw is a right turn: the cube appears on the left");

            // At the platform's edge facing out, the low rows see nothing.
            b.Yaw = 0; b.Z = 9.5f; b.TargetZ = -5;
            v = b.CastVision();
            Assert.AreEqual(SampleSceneSpec.CodeNothing, v[9 * 10 + 5]);
        }

        [Test]
        public void MovesTurnsJumpsAndFallsPerTheContract()
        {
            Agent agent;
            var b = Body(0, out agent);
            b.X = 0; b.Z = 0; b.Y = 0; b.Yaw = 0;
            Action<float[], int> run = (a, frames) =>
            {
                b.SetMove(a);
                for (int i = 0; i < frames; i++) b.Simulate(SampleSceneSpec.Dt);
            };
            run(new[] { 1f, 0, 0, 0 }, 25); // 0.5 s at 4 m/s
            Assert.AreEqual(2f, b.Z, 1e-3);
            run(new[] { 0f, 1, 0, 0 }, 50); // 1 s at 180°/s, turning right
            Assert.AreEqual(180f, b.Yaw, 1e-2);
            run(new[] { 0f, 0, 1, 0 }, 1);
            Assert.IsFalse(b.OnGround, "jumped");
            run(new[] { 0f, 0, 0, 0 }, 60); // 5 m/s up lands after about 1 s
            Assert.IsTrue(b.OnGround, "landed");
            b.Z = 9.9f; b.Yaw = 0;
            run(new[] { 1f, 0, 0, 0 }, 40);
            Assert.Less(b.Y, SampleSceneSpec.FallHeight, "walked off the edge and fell");
            b.OnPhysicsFrame(agent);
            Assert.IsTrue(agent.Done);
            Assert.AreEqual(-1f, agent.Reward, 1e-6);
        }
    }
}
