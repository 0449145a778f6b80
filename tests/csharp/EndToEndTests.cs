using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using Ai4u.Tests.Headless;
using NUnit.Framework;

namespace Ai4u.Tests
{
    /// <summary>
    /// The headless C# SampleScene against the REAL Rust controller (`ai4u serve`, path in
    /// $AI4U_BIN): handshake, lockstep episodes, Stop and Bye, and a killed server.
    /// </summary>
    [TestFixture]
    public class EndToEndTests
    {
        /// <summary>An `ai4u serve` child process; the port is read from its first stdout line.</summary>
        sealed class Server : IDisposable
        {
            readonly Process process;
            readonly List<string> stderr = new List<string>();
            readonly List<string> stdout = new List<string>();
            readonly ManualResetEvent listening = new ManualResetEvent(false);

            public Server(string args)
            {
                var bin = Environment.GetEnvironmentVariable("AI4U_BIN");
                if (string.IsNullOrEmpty(bin) || !File.Exists(bin))
                    Assert.Fail("AI4U_BIN must point at the ai4u binary (got `" + bin + "`); run tests/csharp/run.sh");
                var psi = new ProcessStartInfo(bin, "serve " + args)
                {
                    UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, CreateNoWindow = true,
                };
                process = Process.Start(psi);
                process.OutputDataReceived += (s, e) =>
                {
                    if (e.Data == null) return;
                    lock (stdout) stdout.Add(e.Data);
                    var m = Regex.Match(e.Data, @"^ai4u: listening on [^:]+:(\d+)");
                    if (m.Success && Port == 0)
                    {
                        Port = int.Parse(m.Groups[1].Value);
                        listening.Set();
                    }
                };
                process.ErrorDataReceived += (s, e) => { if (e.Data != null) lock (stderr) stderr.Add(e.Data); };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                if (!listening.WaitOne(30000))
                    Assert.Fail("`ai4u serve` did not print its port within 30 s; stderr:\n" + Stderr);
            }

            public int Port { get; private set; }
            public string Stderr { get { lock (stderr) return string.Join("\n", stderr); } }
            public bool HasExited { get { return process.HasExited; } }

            public int WaitExit(int millis)
            {
                if (!process.WaitForExit(millis)) Assert.Fail("`ai4u serve` did not exit within " + millis + " ms; stderr:\n" + Stderr);
                process.WaitForExit(); // flush the async readers
                return process.ExitCode;
            }

            public void Kill()
            {
                if (!process.HasExited) process.Kill();
                process.WaitForExit(5000);
            }

            public void Dispose()
            {
                try { Kill(); } catch (InvalidOperationException) { }
                process.Dispose();
            }
        }

        sealed class EpisodeRecord
        {
            public string Agent;
            public float Return;
            public uint Steps;
            public bool Done, Truncated;
        }

        static TickRequestor Requestor(HeadlessSampleScene scene, int port, double timeout)
        {
            var settings = new ConnectionSettings
            {
                Host = "127.0.0.1", Port = port, ReplyTimeoutSeconds = timeout, Engine = "csharp-headless", EngineVersion = "test",
            };
            return new TickRequestor(settings, scene.Agents);
        }

        [Test]
        public void RunsEpisodesAgainstTheRustServer()
        {
            var report = Path.Combine(Path.GetTempPath(), "ai4u-csharp-e2e-" + Guid.NewGuid().ToString("N") + ".json");
            var scene = new HeadlessSampleScene(2);
            var episodes = new List<EpisodeRecord>();
            foreach (var a in scene.Agents)
                a.EpisodeEnd += ag => episodes.Add(new EpisodeRecord
                {
                    Agent = ag.Id, Return = ag.EpisodeReturn, Steps = ag.Steps, Done = ag.Done, Truncated = ag.Truncated,
                });
            using (var server = new Server("--controller samplescene --ids 0,1 --port 0 --episodes 3 --max-steps 200 --seed 11 --report " + report))
            {
                var r = Requestor(scene, server.Port, 30);
                bool stopSeen = false;
                r.Exchanged += (tick, reply) =>
                {
                    if (reply.Commands.Any(c => c.Command.Kind == CommandKind.Stop)) stopSeen = true;
                };
                var welcome = r.Connect();
                Assert.AreEqual(200u, scene.Agents[0].MaxSteps, "the Welcome's max_steps overrides the engine's 3000");
                Assert.AreEqual(Mode.Lockstep, welcome.Mode);

                var clock = Stopwatch.StartNew();
                while (r.Step())
                {
                    scene.Simulate();
                    if (clock.Elapsed.TotalSeconds > 120) Assert.Fail("the run did not finish in 120 s; server stderr:\n" + server.Stderr);
                }
                Assert.IsTrue(r.Finished, "Bye sent after every agent was stopped");
                Assert.IsTrue(stopSeen, "the controller sent Stop");
                Assert.IsTrue(scene.Agents.All(a => a.Phase == AgentPhase.Stopped));
                Assert.AreEqual(0, server.WaitExit(20000), "server exit code; stderr:\n" + server.Stderr);
            }

            // Every episode arrived per agent, and the engine's own accounting matches the server's report.
            foreach (var id in new[] { "0", "1" })
                Assert.AreEqual(3, episodes.Count(e => e.Agent == id), "episodes ended for agent " + id);
            Assert.IsTrue(episodes.All(e => e.Steps <= 200 && (e.Done || e.Truncated)));
            Assert.IsTrue(scene.Bodies.All(b => b.Seeds.Count == 3), "every reset carried the --seed derived seed");

            Console.WriteLine("seeds: " + string.Join(" ", scene.Bodies.SelectMany(b => b.Seeds)));
            Console.WriteLine("episodes: " + string.Join(", ", episodes.Select(e =>
                string.Format("{0}:{1} steps {2:0.00} {3}", e.Agent, e.Steps, e.Return, e.Done ? "terminated" : "truncated"))));
            var json = (Dictionary<string, object>)Json.Parse(File.ReadAllText(report));
            File.Delete(report);
            var reported = ((List<object>)json["episodes"]).Cast<Dictionary<string, object>>().ToList();
            Assert.AreEqual(6, reported.Count);
            Assert.That((long)json["observations_checked"], Is.GreaterThan(0));
            foreach (var id in new[] { "0", "1" })
            {
                var mine = episodes.Where(e => e.Agent == id).ToList();
                var theirs = reported.Where(e => (string)e["agent"] == id).OrderBy(e => (long)e["episode"]).ToList();
                Assert.AreEqual(mine.Count, theirs.Count);
                for (int i = 0; i < mine.Count; i++)
                {
                    string ctx = "agent " + id + " episode " + (i + 1);
                    Assert.AreEqual((long)mine[i].Steps, (long)theirs[i]["steps"], ctx);
                    Assert.AreEqual(mine[i].Done, theirs[i]["terminated"], ctx);
                    Assert.AreEqual(mine[i].Truncated, theirs[i]["truncated"], ctx);
                    Assert.AreEqual(mine[i].Return, Convert.ToDouble(theirs[i]["return"]), 1e-3, ctx);
                }
            }
            // The scripted pilot only reaches the cube if our observations (array, vision codes
            // and their orientation conventions) mean what SAMPLESCENE.md says.
            Assert.That(scene.Bodies.Sum(b => b.Touches), Is.GreaterThan(0),
                "the scripted pilot never reached the cube: " + string.Join(", ", episodes.Select(e => e.Agent + ":" + e.Steps + (e.Done ? "T" : "t"))));
        }

        [Test]
        public void KilledServerIsAClearErrorWithinTheTimeout()
        {
            var scene = new HeadlessSampleScene(2);
            using (var server = new Server("--controller samplescene --ids 0,1 --port 0 --episodes 0 --policy noop"))
            {
                var r = Requestor(scene, server.Port, 3);
                r.Connect();
                var clock = Stopwatch.StartNew();
                while (scene.Agents[0].Steps < 10)
                {
                    Assert.IsTrue(r.Step());
                    scene.Simulate();
                    if (clock.Elapsed.TotalSeconds > 30) Assert.Fail("no progress; server stderr:\n" + server.Stderr);
                }
                Assert.AreEqual(AgentPhase.Running, scene.Agents[0].Phase, "killed mid-episode");
                server.Kill();

                clock.Restart();
                Ai4uException failure = null;
                try
                {
                    for (int i = 0; i < 1000; i++)
                    {
                        r.Step();
                        scene.Simulate();
                    }
                }
                catch (Ai4uException e)
                {
                    failure = e;
                }
                Assert.IsNotNull(failure, "stepping against a dead server must fail");
                Assert.Less(clock.Elapsed.TotalSeconds, 6, "reported within the 3 s timeout (plus slack), not hung");
                Assert.That(failure is ConnectionLostException || failure is ControllerTimeoutException, failure.GetType().Name + ": " + failure.Message);
                StringAssert.Contains("tick", failure.Message);
                Assert.IsFalse(r.IsConnected);
            }
        }

        [Test]
        public void RealtimeModeRunsToTheEnd()
        {
            var scene = new HeadlessSampleScene(2);
            var ended = new List<string>();
            foreach (var a in scene.Agents) a.EpisodeEnd += ag => ended.Add(ag.Id + ":" + ag.Steps + ":" + ag.Truncated);
            using (var server = new Server("--controller samplescene --ids 0,1 --port 0 --mode realtime --policy noop --episodes 2 --max-steps 20"))
            {
                var r = Requestor(scene, server.Port, 10);
                r.Settings.Mode = Mode.Lockstep; // asked for lockstep; the server forces realtime
                Assert.AreEqual(Mode.Realtime, r.Connect().Mode);
                Assert.AreEqual(Mode.Realtime, r.Mode);
                var log = new List<string>();
                r.Exchanged += (t, rep) => log.Add(t.Seq + " " + string.Join(",", t.Agents.Select(a => a.Id + "/" + a.Status + "/" + a.Steps + (a.Truncated ? "T" : ""))) + " -> " + string.Join(",", rep.Commands.Select(c => c.Id + "/" + c.Command.Kind)));
                var clock = Stopwatch.StartNew();
                try
                {
                    while (r.Step())
                    {
                        scene.Simulate();
                        if (clock.Elapsed.TotalSeconds > 60) Assert.Fail("no finish; stderr:\n" + server.Stderr);
                    }
                }
                catch (Ai4uException)
                {
                    // The exchange log shows who broke the session.
                    Console.WriteLine(string.Join("\n", log.Skip(Math.Max(0, log.Count - 40))));
                    server.WaitExit(5000);
                    Console.WriteLine("server stderr: " + server.Stderr);
                    throw;
                }
                Assert.AreEqual(0, server.WaitExit(20000), server.Stderr);
            }
            CollectionAssert.AreEquivalent(new[] { "0:20:True", "0:20:True", "1:20:True", "1:20:True" }, ended);
        }

        [Test]
        public void UnknownIdIsRejectedWithTheServersReason()
        {
            var scene = new HeadlessSampleScene(1);
            var stranger = new Agent("9", SampleSceneSpec.Metadata(), scene.Bodies[0]);
            using (var server = new Server("--controller samplescene --ids 0 --port 0 --connect-timeout 5"))
            {
                var r = new TickRequestor(new ConnectionSettings { Port = server.Port, ReplyTimeoutSeconds = 10 }, new[] { stranger });
                var e = Assert.Throws<HandshakeRejectedException>(() => r.Connect());
                StringAssert.Contains("unknown agent id `9`", e.Reason);
            }
        }

        [Test]
        public void ReconnectsWithTheSameIdsAfterALostConnection()
        {
            // First server dies; a second one on a new port takes the same ids: the engine
            // reconnects (new Hello), seq restarts and an episode runs to the end.
            var scene = new HeadlessSampleScene(1);
            var r = (TickRequestor)null;
            using (var first = new Server("--controller samplescene --ids 0 --port 0 --episodes 0 --policy noop"))
            {
                r = Requestor(scene, first.Port, 3);
                r.Connect();
                for (int i = 0; i < 20; i++) { r.Step(); scene.Simulate(); }
                first.Kill();
                Assert.Throws(Is.InstanceOf<Ai4uException>(), () => { for (int i = 0; i < 1000; i++) { r.Step(); scene.Simulate(); } });
            }
            using (var second = new Server("--controller samplescene --ids 0 --port 0 --episodes 1 --max-steps 30 --policy noop"))
            {
                r.Settings.Port = second.Port;
                r.Reconnect();
                Assert.AreEqual(AgentPhase.Idle, scene.Agents[0].Phase);
                int ended = 0;
                scene.Agents[0].EpisodeEnd += a => ended++;
                var clock = Stopwatch.StartNew();
                while (r.Step())
                {
                    scene.Simulate();
                    if (clock.Elapsed.TotalSeconds > 60) Assert.Fail("no finish; stderr:\n" + second.Stderr);
                }
                Assert.AreEqual(1, ended);
                Assert.AreEqual(30u, scene.Agents[0].Steps, "noop episodes end by max steps");
                Assert.AreEqual(0, second.WaitExit(20000), second.Stderr);
            }
        }
    }
}
