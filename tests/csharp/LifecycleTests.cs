using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;

namespace Ai4u.Tests
{
    /// <summary>The agent lifecycle of PROTOCOL.md §5, driven through TickRequestor with a scripted transport.</summary>
    [TestFixture]
    public class LifecycleTests
    {
        static Command Reset(long seed) { return Command.Reset(new[] { new Field("seed", Value.Int(seed)) }); }
        static Command Move(params float[] a) { return Command.Act("move", new[] { Value.FloatArray(a) }); }
        static Command C(CommandKind k) { return Command.Simple(k); }

        ScriptedTransport transport;
        TickRequestor requestor;
        RecordingBody body;
        Agent agent;

        void Setup(int frameSkip = 1, bool repeat = true, uint maxSteps = 0, List<Field> config = null, int agents = 1)
        {
            transport = new ScriptedTransport();
            body = new RecordingBody { FrameReward = 0.5f };
            var list = new List<Agent>();
            for (int i = 0; i < agents; i++)
                list.Add(new Agent("a" + i, new ModelMetadata(), i == 0 ? body : new RecordingBody())
                {
                    FrameSkip = frameSkip, RepeatAction = repeat, MaxSteps = maxSteps,
                });
            agent = list[0];
            if (config != null) transport.WelcomeTemplate.Agents.Add(new AgentConfig { Id = "a0", Fields = config });
            requestor = new TickRequestor(new ConnectionSettings(), list, () => transport);
            requestor.Connect();
        }

        [Test]
        public void IdleThenResetThenNewEpisodeThenSteps()
        {
            Setup(frameSkip: 3);
            transport.Answer = t => ScriptedTransport.Commands(t, "a0", t.Seq == 0 ? Reset(7) : Move(1, 0, 0, 0));

            Assert.IsTrue(requestor.Step());
            var t0 = transport.Ticks[0];
            Assert.AreEqual(0UL, t0.Seq);
            Assert.AreEqual(AgentStatus.Idle, t0.Agents[0].Status);
            Assert.AreEqual(0, t0.Agents[0].Fields.Count, "idle agents send no readings");
            Assert.AreEqual(AgentPhase.Running, agent.Phase);
            Assert.AreEqual(7L, body.Resets[0][0].Value.IntValue, "the seed reaches the scene");

            requestor.Step(); // new episode tick, reply Act → applied on this frame
            var t1 = transport.Ticks[1];
            Assert.AreEqual(1UL, t1.Seq);
            Assert.AreEqual(AgentStatus.NewEpisode, t1.Agents[0].Status);
            CollectionAssert.AreEqual(new[] { "obs", "frames" }, t1.Agents[0].Fields.Select(f => f.Name).ToArray());
            Assert.AreEqual(0u, t1.Agents[0].Steps);

            requestor.Step();
            requestor.Step();
            Assert.AreEqual(2, transport.Ticks.Count, "no tick while the decision's frames run");
            requestor.Step();
            var t2 = transport.Ticks[2];
            Assert.AreEqual(2UL, t2.Seq);
            Assert.AreEqual(AgentStatus.Step, t2.Agents[0].Status);
            Assert.AreEqual(1u, t2.Agents[0].Steps);
            Assert.AreEqual(3 * 0.5f - 0.01f, t2.Agents[0].Reward, 1e-6, "reward summed over the decision's frames");
            CollectionAssert.AreEqual(
                new[] { "begin", "state", "act1", "frame", "act", "frame", "act", "frame", "decision", "state", "act1" },
                body.Calls);
        }

        [Test]
        public void WelcomeConfigOverridesFrameSkipRepeatAndMaxSteps()
        {
            Setup(frameSkip: 1, repeat: true, maxSteps: 100, config: new List<Field>
            {
                new Field("frame_skip", Value.Int(2)), new Field("repeat_action", Value.Bool(false)),
                new Field("max_steps", Value.Int(2)), new Field("unknown", Value.String("ignored")),
            });
            Assert.AreEqual(2, agent.FrameSkip);
            Assert.IsFalse(agent.RepeatAction);
            Assert.AreEqual(2u, agent.MaxSteps);

            transport.Answer = t => ScriptedTransport.Commands(t, "a0",
                t.Agents[0].Status == AgentStatus.Idle || t.Agents[0].Truncated ? Reset(1) : Move(1, 0, 0, 0));
            for (int i = 0; i < 6; i++) requestor.Step();
            // idle, new episode, step 1 (2 frames later), step 2 truncated (2 frames later)
            var statuses = transport.Ticks.Select(t => t.Agents[0].Status + (t.Agents[0].Truncated ? "/trunc" : "")).ToArray();
            CollectionAssert.AreEqual(new[] { "Idle", "NewEpisode", "Step", "Step/trunc" }, statuses);
            Assert.AreEqual(2, body.Calls.Count(c => c == "act1"), "one application per decision without repeat");
            Assert.AreEqual(0, body.Calls.Count(c => c == "act"));
            // The truncated tick's reply is Idle → Reset: the next episode starts at once.
            Assert.AreEqual(AgentPhase.Running, agent.Phase);
            Assert.AreEqual(2, agent.EpisodeCount);
        }

        [Test]
        public void DoneEndsTheDecisionEarlyAndTheAgentGoesIdle()
        {
            Setup(frameSkip: 4);
            body.DoneAtFrame = 2;
            body.FrameReward = 0;
            var ended = new List<string>();
            agent.EpisodeEnd += a => ended.Add(a.Id + ":" + a.Steps + ":" + a.Done);
            int resets = 0;
            transport.Answer = t =>
            {
                var s = t.Agents[0];
                if (s.Status == AgentStatus.Idle && resets++ == 0) return ScriptedTransport.Commands(t, "a0", Reset(3));
                if (s.Status == AgentStatus.NewEpisode) return ScriptedTransport.Commands(t, "a0", Move(1, 0, 0, 0));
                return new Reply { Seq = t.Seq };
            };
            for (int i = 0; i < 4; i++) requestor.Step();
            Assert.AreEqual(3, transport.Ticks.Count, "the done tick came after 2 frames of the 4");
            requestor.Step();
            var done = transport.Ticks[2].Agents[0];
            Assert.IsTrue(done.Done);
            Assert.AreEqual(1u, done.Steps);
            Assert.AreEqual(-0.01f, done.Reward, 1e-6);
            Assert.AreEqual(AgentStatus.Idle, transport.Ticks[3].Agents[0].Status, "idle from the next tick on");
            Assert.AreEqual(0f, transport.Ticks[3].Agents[0].Reward, "the reward was reported once");
            CollectionAssert.AreEqual(new[] { "a0:1:True" }, ended);
        }

        [Test]
        public void PauseResumeAndWait()
        {
            Setup(frameSkip: 1);
            var script = new Queue<Command>(new[] { Reset(1), Move(1, 0, 0, 0), C(CommandKind.Pause), C(CommandKind.Wait), C(CommandKind.Resume), null });
            transport.Answer = t => script.Count == 0 || script.Peek() == null
                ? new Reply { Seq = t.Seq } // no command: Wait
                : ScriptedTransport.Commands(t, "a0", script.Dequeue());
            for (int i = 0; i < 7; i++) requestor.Step();
            var s = transport.Ticks.Select(t => t.Agents[0].Status + ":" + t.Agents[0].Steps).ToArray();
            // reset → new episode → (act) step 1 → paused, paused → resume → step (asks again, steps unchanged)
            // → a lockstep Wait is no decision: asked again on the next frame, steps unchanged
            CollectionAssert.AreEqual(new[] { "Idle:0", "NewEpisode:0", "Step:1", "Paused:1", "Paused:1", "Step:1", "Step:1" }, s);
            Assert.AreEqual("move", agent.GetActionName(), "the last action is kept");
        }

        [Test]
        public void StopAllSendsByeAndFinishes()
        {
            Setup(agents: 2);
            transport.Answer = t => ScriptedTransport.Commands(t, "a0", C(CommandKind.Stop), "a1", Reset(2), "ghost", C(CommandKind.Stop));
            Assert.IsTrue(requestor.Step());
            Assert.AreEqual(AgentPhase.Stopped, requestor.Agents[0].Phase);
            Assert.AreEqual(AgentPhase.Running, requestor.Agents[1].Phase, "unknown ids are ignored");
            transport.Answer = t =>
            {
                Assert.IsFalse(t.Agents.Any(a => a.Id == "a0"), "a stopped agent never appears again");
                return ScriptedTransport.Commands(t, "a1", C(CommandKind.Stop));
            };
            Assert.IsFalse(requestor.Step());
            Assert.IsTrue(requestor.Finished);
            CollectionAssert.AreEqual(new[] { "all agents stopped" }, transport.Byes);
            Assert.IsFalse(requestor.Step(), "a finished requestor sends nothing");
            Assert.AreEqual(2, transport.Ticks.Count);
        }

        [Test]
        public void CommandsForAgentsNotInTheTickAreIgnored()
        {
            Setup(frameSkip: 3, agents: 2);
            var second = requestor.Agents[1];
            transport.Answer = t => ScriptedTransport.Commands(t, "a0", Reset(1), "a1", Reset(1));
            requestor.Step();
            // The decision period is fixed when the Act arrives.
            second.FrameSkip = 1;
            transport.Answer = t => ScriptedTransport.Commands(t, "a0", Move(1, 0, 0, 0), "a1", Move(1, 0, 0, 0));
            requestor.Step();
            // a0 mid-decision is not in the next ticks; a Stop for it must not reach it.
            transport.Answer = t => ScriptedTransport.Commands(t, "a0", C(CommandKind.Stop), "a1", C(CommandKind.Stop));
            requestor.Step();
            Assert.AreEqual(AgentPhase.Running, agent.Phase);
            Assert.AreEqual(AgentPhase.Stopped, second.Phase);
        }

        [Test]
        public void ReconnectSendsANewHelloWithTheSameIdsAndRestartsSeq()
        {
            Setup(agents: 2);
            transport.Answer = t => ScriptedTransport.Commands(t, "a0", Reset(1));
            requestor.Step();
            requestor.Step();
            Assert.AreEqual(AgentPhase.Running, agent.Phase);
            requestor.Reconnect();
            Assert.AreEqual(2, transport.Hellos.Count);
            CollectionAssert.AreEqual(transport.Hellos[0].Agents.Select(a => a.Id), transport.Hellos[1].Agents.Select(a => a.Id));
            Assert.AreEqual(AgentPhase.Idle, agent.Phase);
            requestor.Step();
            Assert.AreEqual(0UL, transport.Ticks.Last().Seq);
        }

        [Test]
        public void EventsFireInLifecycleOrder()
        {
            Setup(frameSkip: 1, maxSteps: 1);
            var log = new List<string>();
            agent.EpisodeBegin += (a, f) => log.Add("EpisodeBegin");
            agent.StepBegin += a => log.Add("StepBegin");
            agent.StepEnd += a => log.Add("StepEnd");
            agent.EpisodeEnd += a => log.Add("EpisodeEnd");
            transport.Answer = t => ScriptedTransport.Commands(t, "a0",
                t.Agents[0].Status == AgentStatus.Idle ? Reset(1) : Move(0, 0, 0, 0));
            for (int i = 0; i < 4; i++) requestor.Step();
            CollectionAssert.AreEqual(new[] { "EpisodeBegin", "StepBegin", "StepEnd", "EpisodeEnd", "EpisodeBegin" }, log);
        }

        [Test]
        public void TransportFailureClosesAndPropagates()
        {
            Setup();
            transport.Answer = t => { throw new ControllerTimeoutException("controller did not answer tick 0 within 1 s"); };
            var e = Assert.Throws<ControllerTimeoutException>(() => requestor.Step());
            StringAssert.Contains("tick 0", e.Message);
            Assert.IsFalse(requestor.IsConnected);
            Assert.Throws<InvalidOperationException>(() => requestor.Step());
        }

        [Test]
        public void ActionGettersFollowAi4uSemantics()
        {
            Setup();
            var act = Command.Act("drive", new[] { Value.Float(0.25f), Value.Int(-3), Value.Bool(true), Value.String("hi") },
                                  new[] { new Field("gear", Value.Int(2)) });
            transport.Answer = t => ScriptedTransport.Commands(t, "a0", t.Seq == 0 ? Reset(1) : act);
            requestor.Step();
            requestor.Step();
            Assert.AreEqual("drive", agent.GetActionName());
            Assert.AreEqual(0.25f, agent.GetActionArgAsFloat(0));
            Assert.AreEqual(-3, agent.GetActionArgAsInt(1));
            Assert.IsTrue(agent.GetActionArgAsBool(2));
            Assert.AreEqual("hi", agent.GetActionArgAsString(3));
            Assert.AreEqual(2, agent.GetActionField("gear").AsInt());
            Assert.Throws<IndexOutOfRangeException>(() => agent.GetActionArgAsFloat(4));
            Assert.Throws<InvalidCastException>(() => agent.GetActionArgAsString(0));

            act = Move(0.5f, -1, 0, 1);
            transport.Answer = t => ScriptedTransport.Commands(t, "a0", act);
            requestor.Step();
            Assert.AreEqual(-1f, agent.GetActionArgAsFloat(1), "with one array argument the index goes into the array");
            CollectionAssert.AreEqual(new[] { 0.5f, -1f, 0f, 1f }, agent.GetActionArgAsFloatArray());
        }

        [Test]
        public void StateSettersReuseBuffersAndKeepOrder()
        {
            var a = new Agent("x", null, new RecordingBody());
            a.SetStateAsFloatArray("v", new[] { 1f, 2f }, 2, 1);
            var first = a.State[0].Value;
            a.SetStateAsFloatArray("v", new[] { 3f, 4f }, 2, 1);
            Assert.AreSame(first, a.State[0].Value, "same shape: refilled in place, no new Value");
            CollectionAssert.AreEqual(new[] { 3f, 4f }, first.FloatData);
            a.SetStateAsFloat("f", 1f);
            a.SetStateAsBool("b", true);
            a.SetStateAsString("s", "x");
            a.SetStateAsByteArray("bytes", new byte[] { 1 });
            a.SetStateAsImage("img", 1, 1, 3, new byte[] { 1, 2, 3 });
            a.SetStateAsFloatArray("v", new[] { 1f, 2f, 3f });
            CollectionAssert.AreEqual(new[] { "v", "f", "b", "s", "bytes", "img" }, a.State.Select(f => f.Name));
            CollectionAssert.AreEqual(new[] { 3 }, a.State[0].Value.Shape, "a new shape replaces the value");
            Assert.Throws<ArgumentException>(() => a.SetStateAsImage("bad", 2, 2, 3, new byte[3]));
        }
    }
}
