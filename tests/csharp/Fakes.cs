using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using Ai4u;

namespace Ai4u.Tests
{
    /// <summary>Records what the lifecycle hooks were asked to do.</summary>
    public sealed class RecordingBody : IAgentBody
    {
        public readonly List<string> Calls = new List<string>();
        public readonly List<List<Field>> Resets = new List<List<Field>>();
        /// <summary>Reward added per simulated frame.</summary>
        public float FrameReward;
        /// <summary>End the episode (done) at this frame count within the episode (0 = never).</summary>
        public int DoneAtFrame;
        int frames;

        public void OnEpisodeBegin(Agent agent, List<Field> resetFields)
        {
            Calls.Add("begin");
            Resets.Add(resetFields);
            frames = 0;
        }

        public void ApplyAction(Agent agent, bool firstFrame)
        {
            Calls.Add(firstFrame ? "act1" : "act");
        }

        public void OnPhysicsFrame(Agent agent)
        {
            frames++;
            Calls.Add("frame");
            agent.AddReward(FrameReward);
            if (DoneAtFrame > 0 && frames >= DoneAtFrame) agent.EndEpisode();
        }

        public void OnDecisionEnd(Agent agent)
        {
            Calls.Add("decision");
            agent.AddReward(-0.01f);
        }

        public void UpdateState(Agent agent)
        {
            Calls.Add("state");
            agent.SetStateAsFloatArray("obs", new[] { (float)frames, 1f });
            agent.SetStateAsInt("frames", frames);
        }
    }

    /// <summary>
    /// An in-memory transport answering ticks with a script. Every tick is snapshotted
    /// through the codec (encode, decode), because the requestor reuses its Tick objects.
    /// </summary>
    public sealed class ScriptedTransport : ITransport
    {
        public readonly List<Hello> Hellos = new List<Hello>();
        public readonly List<Tick> Ticks = new List<Tick>();
        public readonly List<string> Byes = new List<string>();
        public Func<Tick, Reply> Answer = t => new Reply { Seq = t.Seq };
        public Welcome WelcomeTemplate = new Welcome();
        public bool Closed;

        public Welcome Open(Hello hello)
        {
            Hellos.Add((Hello)WireReader.Decode(TestUtil.Encode(hello)));
            var w = new Welcome { Mode = WelcomeTemplate.Mode };
            foreach (var a in hello.Agents)
            {
                var cfg = WelcomeTemplate.Agents.Find(c => c.Id == a.Id);
                w.Agents.Add(new AgentConfig { Id = a.Id, Fields = cfg == null ? new List<Field>() : cfg.Fields });
            }
            Closed = false;
            return w;
        }

        public Reply Exchange(Tick tick)
        {
            var snap = (Tick)WireReader.Decode(TestUtil.Encode(tick));
            Ticks.Add(snap);
            return Answer(snap);
        }

        public void SendBye(string reason) { Byes.Add(reason); Closed = true; }
        public void Close() { Closed = true; }
        public void Dispose() { Closed = true; }

        /// <summary>A reply giving each listed agent the command.</summary>
        public static Reply Commands(Tick t, params object[] idAndCommand)
        {
            var r = new Reply { Seq = t.Seq };
            for (int i = 0; i < idAndCommand.Length; i += 2)
                r.Commands.Add(new AgentCommand { Id = (string)idAndCommand[i], Command = (Command)idAndCommand[i + 1] });
            return r;
        }
    }

    /// <summary>A TCP controller played by a test script on a background thread.</summary>
    public sealed class FakeController : IDisposable
    {
        readonly TcpListener listener;
        readonly Thread thread;
        Exception failure;
        public readonly List<Message> Received = new List<Message>();

        public FakeController(Action<FakeController, Socket> script)
        {
            listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            thread = new Thread(() =>
            {
                try
                {
                    using (var s = listener.AcceptSocket()) script(this, s);
                }
                catch (Exception e) { failure = e; }
            });
            thread.IsBackground = true;
            thread.Start();
        }

        public int Port { get; private set; }

        public ConnectionSettings Settings(double replyTimeout = 5)
        {
            return new ConnectionSettings { Host = "127.0.0.1", Port = Port, ReplyTimeoutSeconds = replyTimeout, Engine = "test" };
        }

        /// <summary>Reads one framed message (null when the engine closed).</summary>
        public Message Read(Socket s)
        {
            var header = ReadExactly(s, 4);
            if (header == null) return null;
            var body = ReadExactly(s, (int)BitConverter.ToUInt32(header, 0));
            var m = WireReader.Decode(body);
            lock (Received) Received.Add(m);
            return m;
        }

        public void Send(Socket s, Message m)
        {
            var w = new WireWriter();
            w.WriteFrame(m);
            s.Send(w.Buffer, 0, w.Length, SocketFlags.None);
        }

        static byte[] ReadExactly(Socket s, int n)
        {
            var b = new byte[n];
            int got = 0;
            while (got < n)
            {
                int k = s.Receive(b, got, n - got, SocketFlags.None);
                if (k == 0) return null;
                got += k;
            }
            return b;
        }

        /// <summary>Waits for the script to finish and rethrows its failure.</summary>
        public void Join(int millis = 5000)
        {
            if (!thread.Join(millis)) throw new TimeoutException("the fake controller script did not finish");
            if (failure != null) throw new Exception("fake controller failed: " + failure.Message, failure);
        }

        public void Dispose()
        {
            listener.Stop();
        }
    }
}
