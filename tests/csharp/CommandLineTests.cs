using NUnit.Framework;

namespace Ai4u.Tests
{
    /// <summary>The --ai4u_* overrides of standalone builds.</summary>
    [TestFixture]
    public class CommandLineTests
    {
        [Test]
        public void ParsesEveryOptionInBothForms()
        {
            var o = CommandLineOverrides.Parse(new[]
            {
                "Game.x86_64", "-batchmode", "--ai4u_host=10.0.0.2", "--ai4u_port", "9000", "--ai4u_agents=3",
                "--ai4u_max_steps=500", "--ai4u_timescale=2.5", "--ai4u_mode=Realtime", "--ai4u_token=s3cret",
                "--ai4u_timeout=7.5", "--ai4u_id_prefix=w3-", "--other=1",
            });
            Assert.AreEqual("10.0.0.2", o.Host);
            Assert.AreEqual(9000, o.Port);
            Assert.AreEqual(3, o.Agents);
            Assert.AreEqual(500u, o.MaxSteps);
            Assert.AreEqual(2.5f, o.TimeScale);
            Assert.AreEqual(Mode.Realtime, o.Mode);
            Assert.AreEqual("s3cret", o.Token);
            Assert.AreEqual(7.5, o.ReplyTimeoutSeconds);
            CollectionAssert.IsEmpty(o.Warnings);

            var s = new ConnectionSettings();
            o.ApplyTo(s);
            Assert.AreEqual("10.0.0.2", s.Host);
            Assert.AreEqual(9000, s.Port);
            Assert.AreEqual(Mode.Realtime, s.Mode);
            Assert.AreEqual("s3cret", s.Token);
            Assert.AreEqual(7.5, s.ReplyTimeoutSeconds);
            Assert.AreEqual("w3-", s.IdPrefix);
        }

        [Test]
        public void TheIdPrefixNamesEveryAgentOnceHoweverOftenItIsApplied()
        {
            var settings = new ConnectionSettings { IdPrefix = "w1-" };
            var agents = new[] { new Agent("0", null, new NullBody()), new Agent("1", null, new NullBody()) };
            new TickRequestor(settings, agents, () => null);
            // A second requestor over the same agents (a reconnect) does not prefix again.
            var again = new TickRequestor(settings, agents, () => null);
            CollectionAssert.AreEqual(new[] { "w1-0", "w1-1" }, new[] { again.Agents[0].Id, again.Agents[1].Id });
            Assert.AreEqual("w1-0", agents[0].ToAgentInfo().Id);
            Assert.AreEqual("0", agents[0].OwnId);
        }

        sealed class NullBody : IAgentBody
        {
            public void OnEpisodeBegin(Agent agent, System.Collections.Generic.List<Field> resetFields) { }
            public void ApplyAction(Agent agent, bool firstFrame) { }
            public void OnPhysicsFrame(Agent agent) { }
            public void OnDecisionEnd(Agent agent) { }
            public void UpdateState(Agent agent) { }
        }

        [Test]
        public void BadValuesAreIgnoredWithAWarning()
        {
            var o = CommandLineOverrides.Parse(new[]
            {
                "--ai4u_port=99999", "--ai4u_agents=0", "--ai4u_timescale=-1", "--ai4u_mode=fast", "--ai4u_max_steps=-3",
                "--ai4u_colour=red", "--ai4u_host",
            });
            Assert.IsNull(o.Port);
            Assert.IsNull(o.Agents);
            Assert.IsNull(o.TimeScale);
            Assert.IsNull(o.Mode);
            Assert.IsNull(o.MaxSteps);
            Assert.AreEqual(7, o.Warnings.Count, string.Join("\n", o.Warnings));
            StringAssert.Contains("`99999` is not a port between 1 and 65535", o.Warnings[0]);
            StringAssert.Contains("unknown option --ai4u_colour=red", o.Warnings[5]);
            StringAssert.Contains("--ai4u_host needs a value", o.Warnings[6]);

            var s = new ConnectionSettings();
            o.ApplyTo(s);
            Assert.AreEqual(Protocol.DefaultPort, s.Port, "nothing given, defaults kept");
        }
    }
}
