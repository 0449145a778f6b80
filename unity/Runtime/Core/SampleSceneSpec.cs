using System;

namespace Ai4u
{
    /// <summary>
    /// The numbers of the SampleScene contract (docs/SAMPLESCENE.md), in one engine-agnostic
    /// place shared by the Unity scene and the headless test scene.
    /// </summary>
    public static class SampleSceneSpec
    {
        /// <summary>Fixed physics step in seconds (50 Hz).</summary>
        public const float Dt = 0.02f;
        /// <summary>Half the platform's side: its top face is x, z ∈ [-10, 10] at y = 0.</summary>
        public const float PlatformHalf = 10f;
        /// <summary>Distance between the centres of neighbouring areas along +X.</summary>
        public const float AreaSpacing = 30f;
        /// <summary>Agent capsule radius and height.</summary>
        public const float AgentRadius = 0.5f, AgentHeight = 2f;
        /// <summary>Agents start with |x|, |z| ≤ this.</summary>
        public const float AgentSpawn = 7f;
        /// <summary>Targets rest with |x|, |z| ≤ this, at least <see cref="MinTargetDistance"/> from the agent.</summary>
        public const float TargetSpawn = 8f, MinTargetDistance = 4f;
        /// <summary>Target cube side.</summary>
        public const float TargetSize = 1f;
        /// <summary>Walking speed at fb = 1 (m/s), turning speed at lr = 1 (°/s).</summary>
        public const float WalkSpeed = 4f, TurnSpeed = 180f;
        /// <summary>Vertical jump speed at j = 1 and forward jump speed at jf = 1 (m/s).</summary>
        public const float JumpSpeed = 5f, JumpForwardSpeed = 4f;
        /// <summary>Gravity while airborne (m/s²).</summary>
        public const float Gravity = 9.81f;
        /// <summary>Default decision period in physics frames (action repeated).</summary>
        public const int FrameSkip = 4;
        /// <summary>Default episode length in decisions.</summary>
        public const uint MaxSteps = 3000;
        /// <summary>Eye height of the vision rays above the feet.</summary>
        public const float EyeHeight = 1.5f;
        /// <summary>Vision ray length.</summary>
        public const float VisionRange = 15f;
        /// <summary>Vision grid rows and columns.</summary>
        public const int VisionRows = 10, VisionCols = 10;
        /// <summary>Distance normalisation of array[1].</summary>
        public const float DistanceScale = 30f;
        /// <summary>Reward per decision, for touching the target, for falling.</summary>
        public const float StepReward = -0.01f, TouchReward = 10f, FallReward = -1f;
        /// <summary>Touch: within this XZ distance of the cube centre and not more than <see cref="TouchMaxHeight"/> above it.</summary>
        public const float TouchDistance = 1f, TouchMaxHeight = 1.5f;
        /// <summary>Falling: feet below this height.</summary>
        public const float FallHeight = -1f;

        /// <summary>Vision codes: nothing within range, floor/platform, another agent, target.</summary>
        public const float CodeNothing = 0f, CodeFloor = 50f, CodeAgent = 100f, CodeTarget = 200f;

        /// <summary>Name of the move actuator and of the two sensors.</summary>
        public const string MoveAction = "move", ArrayField = "array", VisionField = "vision";

        /// <summary>Degrees below the horizon of vision row <paramref name="row"/> (0 = top): 5° … 50°.</summary>
        public static float RowPitchDown(int row) { return 5f + 5f * row; }

        /// <summary>Yaw offset in degrees of vision column <paramref name="col"/> (0 = left), positive to the right: -45° … 45°.</summary>
        public static float ColumnYaw(int col) { return -45f + 10f * col; }

        /// <summary>X of agent <paramref name="k"/>'s area centre.</summary>
        public static float AreaCentreX(int k) { return AreaSpacing * k; }

        /// <summary>The metadata every SampleScene agent declares in its Hello.</summary>
        public static ModelMetadata Metadata()
        {
            var m = new ModelMetadata();
            m.Inputs.Add(new InputSpec(ArrayField, ValueKind.FloatArray, new[] { 7 }, -1f, 1f));
            m.Inputs.Add(new InputSpec(VisionField, ValueKind.FloatArray, new[] { VisionRows, VisionCols, 1 }, 0f, 255f));
            m.Outputs.Add(new OutputSpec(MoveAction, true, new[] { 4 },
                new[] { -1f, -1f, 0f, 0f }, new[] { 1f, 1f, 1f, 1f }));
            return m;
        }

        /// <summary>Clamps a move action to its ranges: fb, lr ∈ [-1, 1]; j, jf ∈ [0, 1]. Missing entries are 0.</summary>
        public static void ClampMove(float[] action, float[] into)
        {
            for (int i = 0; i < 4; i++)
            {
                float v = action != null && i < action.Length ? action[i] : 0f;
                if (float.IsNaN(v)) v = 0f;
                float lo = i < 2 ? -1f : 0f;
                into[i] = v < lo ? lo : (v > 1f ? 1f : v);
            }
        }

        /// <summary>
        /// array[0]: the dot product of the agent's forward vector and the unit direction to
        /// the target on the XZ plane (1 when facing it; 0 when standing on it).
        /// </summary>
        public static float FacingDot(float forwardX, float forwardZ, float dx, float dz)
        {
            float fl = (float)Math.Sqrt(forwardX * forwardX + forwardZ * forwardZ);
            float dl = (float)Math.Sqrt(dx * dx + dz * dz);
            if (fl < 1e-6f || dl < 1e-6f) return 0f;
            float d = (forwardX * dx + forwardZ * dz) / (fl * dl);
            return d < -1f ? -1f : (d > 1f ? 1f : d);
        }

        /// <summary>array[1]: min(distance / 30, 1).</summary>
        public static float NormalizedDistance(float distance)
        {
            return Math.Min(distance / DistanceScale, 1f);
        }

        /// <summary>
        /// A seeded generator for one area: a Reset's <c>seed</c> makes the start reproducible.
        /// System.Random with an explicit seed gives the same sequence on every Mono/.NET
        /// runtime Unity ships, unlike UnityEngine.Random which is global.
        /// </summary>
        public static Random NewRandom(long? seed, int area)
        {
            if (seed.HasValue) return new Random(unchecked((int)(seed.Value ^ (seed.Value >> 32)) * 31 + area));
            return new Random(unchecked(Environment.TickCount * 397 + area));
        }

        /// <summary>A start: agent position and yaw, target position (area-local), per the spawn rules.</summary>
        public static void SampleStart(Random rng, out float agentX, out float agentZ, out float yawDegrees, out float targetX, out float targetZ)
        {
            agentX = Uniform(rng, -AgentSpawn, AgentSpawn);
            agentZ = Uniform(rng, -AgentSpawn, AgentSpawn);
            yawDegrees = Uniform(rng, 0f, 360f);
            for (int tries = 0; ; tries++)
            {
                targetX = Uniform(rng, -TargetSpawn, TargetSpawn);
                targetZ = Uniform(rng, -TargetSpawn, TargetSpawn);
                float dx = targetX - agentX, dz = targetZ - agentZ;
                // 4 m is always reachable in a 16 m square, so this ends; the cap is a guard.
                if (dx * dx + dz * dz >= MinTargetDistance * MinTargetDistance || tries > 1000) break;
            }
        }

        static float Uniform(Random rng, float lo, float hi) { return lo + (float)rng.NextDouble() * (hi - lo); }
    }
}
