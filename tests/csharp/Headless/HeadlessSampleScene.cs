using System;
using System.Collections.Generic;
using Ai4u;

namespace Ai4u.Tests.Headless
{
    /// <summary>
    /// A kinematic SampleScene in plain C# (docs/SAMPLESCENE.md), built only on the Core:
    /// what Unity's scene does with PhysX, done with closed-form motion and analytic ray
    /// casts (floor plane clipped to the platform, the target cube as a box). Agents live in
    /// areas 30 m apart and the rays are 15 m long, so agent-to-agent hits cannot happen and
    /// are not modelled.
    /// </summary>
    public sealed class HeadlessSampleScene
    {
        /// <summary>The agents' bodies, agent k in area k.</summary>
        public readonly List<AgentBody> Bodies = new List<AgentBody>();
        /// <summary>The core agents, in the same order.</summary>
        public readonly List<Agent> Agents = new List<Agent>();

        /// <summary>Creates <paramref name="count"/> agents with ids "0", "1", ...</summary>
        public HeadlessSampleScene(int count, uint maxSteps = SampleSceneSpec.MaxSteps)
        {
            for (int k = 0; k < count; k++)
            {
                var body = new AgentBody(k);
                var agent = new Agent(k.ToString(), SampleSceneSpec.Metadata(), body)
                {
                    MaxSteps = maxSteps,
                    FrameSkip = SampleSceneSpec.FrameSkip,
                    RepeatAction = true,
                };
                Bodies.Add(body);
                Agents.Add(agent);
            }
        }

        /// <summary>Simulates one physics frame of every area.</summary>
        public void Simulate()
        {
            foreach (var b in Bodies) b.Simulate(SampleSceneSpec.Dt);
        }

        /// <summary>One agent and its area: platform, target, kinematic capsule.</summary>
        public sealed class AgentBody : IAgentBody
        {
            readonly float areaX;
            readonly float[] move = new float[4];
            readonly float[] array = new float[7];
            readonly float[] vision = new float[SampleSceneSpec.VisionRows * SampleSceneSpec.VisionCols];
            Random rng;

            /// <summary>Agent feet position (world) and heading in degrees (positive = clockwise from above).</summary>
            public float X, Y, Z, Yaw;
            /// <summary>Target cube centre (world); it rests on the platform.</summary>
            public float TargetX, TargetZ;
            /// <summary>Velocity of a jump in progress.</summary>
            public float Vy, JumpVx, JumpVz;
            /// <summary>Episodes ended with the target touched.</summary>
            public int Touches;
            /// <summary>Seeds received in resets.</summary>
            public readonly List<long> Seeds = new List<long>();

            public AgentBody(int area)
            {
                areaX = SampleSceneSpec.AreaCentreX(area);
                Area = area;
            }

            /// <summary>Area index.</summary>
            public int Area { get; private set; }

            /// <summary>Standing on the platform (not airborne, not off the edge).</summary>
            public bool OnGround
            {
                get { return Y <= 1e-4f && Vy <= 0f && OverPlatform(X, Z); }
            }

            bool OverPlatform(float x, float z)
            {
                return Math.Abs(x - areaX) <= SampleSceneSpec.PlatformHalf && Math.Abs(z) <= SampleSceneSpec.PlatformHalf;
            }

            public void OnEpisodeBegin(Agent agent, List<Field> resetFields)
            {
                var seed = Field.Find(resetFields, "seed");
                long? s = null;
                if (seed != null && seed.Value.Kind == ValueKind.Int)
                {
                    s = seed.Value.IntValue;
                    Seeds.Add(s.Value);
                }
                if (s.HasValue || rng == null) rng = SampleSceneSpec.NewRandom(s, Area);
                float ax, az, yaw, tx, tz;
                SampleSceneSpec.SampleStart(rng, out ax, out az, out yaw, out tx, out tz);
                X = areaX + ax; Y = 0; Z = az; Yaw = yaw;
                TargetX = areaX + tx; TargetZ = tz;
                Vy = JumpVx = JumpVz = 0;
                Array.Clear(move, 0, 4);
            }

            public void ApplyAction(Agent agent, bool firstFrame)
            {
                if (agent.GetActionName() != SampleSceneSpec.MoveAction) return;
                SetMove(agent.GetActionArgAsFloatArray(0));
            }

            /// <summary>Sets the move applied by the next simulated frames (clamped to the ranges).</summary>
            public void SetMove(float[] action)
            {
                SampleSceneSpec.ClampMove(action, move);
            }

            /// <summary>Integrates the last applied move over <paramref name="dt"/>.</summary>
            public void Simulate(float dt)
            {
                float fb = move[0], lr = move[1], j = move[2], jf = move[3];
                bool grounded = OnGround;
                Yaw += lr * SampleSceneSpec.TurnSpeed * dt;
                double rad = Yaw * Math.PI / 180.0;
                float fx = (float)Math.Sin(rad), fz = (float)Math.Cos(rad);
                if (grounded)
                {
                    if (jf > 0)
                    {
                        Vy = jf * SampleSceneSpec.JumpSpeed;
                        JumpVx = fx * jf * SampleSceneSpec.JumpForwardSpeed;
                        JumpVz = fz * jf * SampleSceneSpec.JumpForwardSpeed;
                    }
                    else if (j > 0)
                    {
                        Vy = j * SampleSceneSpec.JumpSpeed;
                        JumpVx = JumpVz = 0;
                    }
                }
                // Walking steers on the ground; in the air the jump's horizontal speed carries on.
                bool airborne = Vy > 0 || Y > 1e-4f || !OverPlatform(X, Z);
                float vx = airborne ? JumpVx : fx * fb * SampleSceneSpec.WalkSpeed;
                float vz = airborne ? JumpVz : fz * fb * SampleSceneSpec.WalkSpeed;
                X += vx * dt;
                Z += vz * dt;
                if (airborne)
                {
                    Vy -= SampleSceneSpec.Gravity * dt;
                    Y += Vy * dt;
                    if (Y <= 0 && OverPlatform(X, Z) && Y > -0.5f)
                    {
                        Y = 0; Vy = 0; JumpVx = JumpVz = 0;
                    }
                }
                else if (!OverPlatform(X, Z))
                {
                    Vy = 0; // walked off the edge: starts falling next frame
                }
            }

            public void OnPhysicsFrame(Agent agent)
            {
                float dx = TargetX - X, dz = TargetZ - Z;
                float above = Y - SampleSceneSpec.TargetSize / 2f;
                if (dx * dx + dz * dz <= SampleSceneSpec.TouchDistance * SampleSceneSpec.TouchDistance && above <= SampleSceneSpec.TouchMaxHeight)
                {
                    agent.AddReward(SampleSceneSpec.TouchReward);
                    agent.EndEpisode();
                    Touches++;
                }
                else if (Y < SampleSceneSpec.FallHeight)
                {
                    agent.AddReward(SampleSceneSpec.FallReward);
                    agent.EndEpisode();
                }
            }

            public void OnDecisionEnd(Agent agent)
            {
                agent.AddReward(SampleSceneSpec.StepReward);
            }

            public void UpdateState(Agent agent)
            {
                double rad = Yaw * Math.PI / 180.0;
                float fx = (float)Math.Sin(rad), fz = (float)Math.Cos(rad);
                float dx = TargetX - X, dz = TargetZ - Z;
                array[0] = SampleSceneSpec.FacingDot(fx, fz, dx, dz);
                array[1] = SampleSceneSpec.NormalizedDistance((float)Math.Sqrt(dx * dx + dz * dz));
                array[2] = OnGround ? 1f : 0f;
                Array.Copy(move, 0, array, 3, 4);
                agent.SetStateAsFloatArray(SampleSceneSpec.ArrayField, array, 7);
                CastVision();
                agent.SetStateAsFloatArray(SampleSceneSpec.VisionField, vision, SampleSceneSpec.VisionRows, SampleSceneSpec.VisionCols, 1);
            }

            /// <summary>The vision grid for the current pose (row-major, top row first).</summary>
            public float[] CastVision()
            {
                float ey = Y + SampleSceneSpec.EyeHeight;
                for (int r = 0; r < SampleSceneSpec.VisionRows; r++)
                {
                    double pitch = SampleSceneSpec.RowPitchDown(r) * Math.PI / 180.0;
                    for (int c = 0; c < SampleSceneSpec.VisionCols; c++)
                    {
                        double yaw = (Yaw + SampleSceneSpec.ColumnYaw(c)) * Math.PI / 180.0;
                        float dx = (float)(Math.Cos(pitch) * Math.Sin(yaw));
                        float dy = (float)-Math.Sin(pitch);
                        float dz = (float)(Math.Cos(pitch) * Math.Cos(yaw));
                        vision[r * SampleSceneSpec.VisionCols + c] = Cast(X, ey, Z, dx, dy, dz);
                    }
                }
                return vision;
            }

            float Cast(float ox, float oy, float oz, float dx, float dy, float dz)
            {
                float best = SampleSceneSpec.VisionRange;
                float code = SampleSceneSpec.CodeNothing;
                // Floor: the platform's top face y = 0 (rays all point down).
                if (dy < 0 && oy > 0)
                {
                    float t = -oy / dy;
                    if (t <= best && OverPlatform(ox + dx * t, oz + dz * t))
                    {
                        best = t;
                        code = SampleSceneSpec.CodeFloor;
                    }
                }
                float h = SampleSceneSpec.TargetSize / 2f;
                float tb = RayBox(ox, oy, oz, dx, dy, dz, TargetX - h, 0f, TargetZ - h, TargetX + h, 2 * h, TargetZ + h);
                if (tb >= 0 && tb <= best) code = SampleSceneSpec.CodeTarget;
                return code;
            }

            /// <summary>Slab test: distance to an axis-aligned box, or -1.</summary>
            static float RayBox(float ox, float oy, float oz, float dx, float dy, float dz,
                                float minX, float minY, float minZ, float maxX, float maxY, float maxZ)
            {
                float tmin = 0f, tmax = float.MaxValue;
                if (!Slab(ox, dx, minX, maxX, ref tmin, ref tmax)) return -1;
                if (!Slab(oy, dy, minY, maxY, ref tmin, ref tmax)) return -1;
                if (!Slab(oz, dz, minZ, maxZ, ref tmin, ref tmax)) return -1;
                return tmin;
            }

            static bool Slab(float o, float d, float lo, float hi, ref float tmin, ref float tmax)
            {
                if (Math.Abs(d) < 1e-9f) return o >= lo && o <= hi;
                float t1 = (lo - o) / d, t2 = (hi - o) / d;
                if (t1 > t2) { float tmp = t1; t1 = t2; t2 = tmp; }
                if (t1 > tmin) tmin = t1;
                if (t2 < tmax) tmax = t2;
                return tmin <= tmax;
            }
        }
    }
}
