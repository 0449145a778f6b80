using System.Collections.Generic;
using System.Linq;
using Ai4u.Tests.Headless;
using NUnit.Framework;

namespace Ai4u.Tests
{
    /// <summary>
    /// Batch stepping as VecEnv and ParallelEnv do it, on the headless SampleScene: every agent
    /// gets its command in one reply (an ended episode is reset in the same reply that moves
    /// the others), which only works when every running agent decides in the same tick
    /// (PROTOCOL.md §5, aligned episodes). Agent i's episodes last 6 + 5 i steps.
    /// </summary>
    [TestFixture]
    public class BatchSteppingTests
    {
        [TestCase(2)]
        [TestCase(4)]
        public void StaggeredEpisodesStayAlignedFor20EpisodesEach(int agents)
        {
            const int Episodes = 20;
            var scene = new HeadlessSampleScene(agents);
            var transport = new ScriptedTransport();
            for (int i = 0; i < agents; i++)
                transport.WelcomeTemplate.Agents.Add(new AgentConfig { Id = i.ToString(), Fields = new List<Field> { new Field("max_steps", Value.Int(6 + 5 * i)) } });
            var ended = new Dictionary<string, List<uint>>();
            var running = new HashSet<string>();
            string misaligned = null;
            // Turn in place: no fall, no touch, so max_steps ends every episode.
            var turn = Command.Act("move", new[] { Value.FloatArray(new[] { 0f, 1f, 0f, 0f }) });
            transport.Answer = t =>
            {
                var deciding = t.Agents.Where(a => a.Status == AgentStatus.NewEpisode || a.Status == AgentStatus.Step).Select(a => a.Id).ToList();
                var missing = running.Except(deciding).ToList();
                if (deciding.Count > 0 && missing.Count > 0 && misaligned == null)
                    misaligned = "tick " + t.Seq + " has decisions for " + string.Join(",", deciding) + " but not for running " + string.Join(",", missing);
                var r = new Reply { Seq = t.Seq };
                foreach (var a in t.Agents)
                {
                    Command c = null;
                    bool over = a.Done || a.Truncated;
                    if (a.Status == AgentStatus.Idle || (deciding.Contains(a.Id) && over))
                    {
                        if (over)
                        {
                            if (!ended.ContainsKey(a.Id)) ended[a.Id] = new List<uint>();
                            ended[a.Id].Add(a.Steps);
                            running.Remove(a.Id);
                        }
                        bool more = !ended.ContainsKey(a.Id) || ended[a.Id].Count < Episodes;
                        c = more ? Command.Reset() : Command.Simple(CommandKind.Stop);
                        if (more) running.Add(a.Id);
                    }
                    else if (deciding.Contains(a.Id))
                        c = turn;
                    if (c != null) r.Commands.Add(new AgentCommand { Id = a.Id, Command = c });
                }
                return r;
            };
            var requestor = new TickRequestor(new ConnectionSettings(), scene.Agents, () => transport);
            requestor.Connect();
            // A hang guard only: the run takes a few thousand frames.
            for (int frame = 0; frame < 100000 && requestor.Step(); frame++) scene.Simulate();

            Assert.IsNull(misaligned);
            Assert.IsTrue(requestor.Finished, "every agent stopped and Bye sent");
            for (int i = 0; i < agents; i++)
                CollectionAssert.AreEqual(Enumerable.Repeat((uint)(6 + 5 * i), Episodes), ended[i.ToString()], "agent " + i + "'s episodes");
        }
    }
}
