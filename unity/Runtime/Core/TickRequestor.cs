using System;
using System.Collections.Generic;

namespace Ai4u
{
    /// <summary>
    /// Drives a set of agents over one connection, one physics frame per <see cref="Step"/>:
    /// collects the agents that are due, sends ONE Tick for all of them, waits for the Reply,
    /// applies the commands, then lets every running agent apply its action for the frame.
    /// The engine calls <see cref="Step"/> right before it simulates a physics frame (Unity:
    /// FixedUpdate), so the frame simulated in between is the one the next Step accounts for.
    /// </summary>
    public sealed class TickRequestor : IDisposable
    {
        readonly List<Agent> agents;
        readonly Dictionary<string, Agent> byId = new Dictionary<string, Agent>();
        readonly Func<ITransport> transportFactory;
        readonly Tick tick = new Tick();
        readonly List<Agent> inTick = new List<Agent>();      // iteration in agent order
        readonly HashSet<Agent> inTickSet = new HashSet<Agent>();
        readonly HashSet<Agent> commanded = new HashSet<Agent>();
        static readonly Command WaitCommand = Command.Simple(CommandKind.Wait);
        ITransport transport;

        /// <summary>Creates a requestor that connects over TCP with <paramref name="settings"/>.</summary>
        public TickRequestor(ConnectionSettings settings, IEnumerable<Agent> agents)
            : this(settings, agents, null) { }

        /// <summary>Creates a requestor with a custom transport factory (tests, other transports).</summary>
        public TickRequestor(ConnectionSettings settings, IEnumerable<Agent> agents, Func<ITransport> transportFactory)
        {
            if (settings == null) throw new ArgumentNullException("settings");
            Settings = settings;
            this.agents = new List<Agent>(agents);
            if (this.agents.Count == 0) throw new ArgumentException("a requestor needs at least one agent");
            foreach (var a in this.agents)
            {
                a.ApplyIdPrefix(settings.IdPrefix);
                if (byId.ContainsKey(a.Id)) throw new ArgumentException("two agents have the id `" + a.Id + "`");
                byId.Add(a.Id, a);
            }
            this.transportFactory = transportFactory ?? (() => new ControllerConnection(Settings));
        }

        /// <summary>The connection settings (host, port, token, mode asked for, timeouts).</summary>
        public ConnectionSettings Settings { get; private set; }
        /// <summary>The agents, in Hello order.</summary>
        public IList<Agent> Agents { get { return agents; } }
        /// <summary>The mode in force (the Welcome's).</summary>
        public Mode Mode { get; private set; }
        /// <summary>Seq of the next tick.</summary>
        public ulong Seq { get; private set; }
        /// <summary>Ticks exchanged on this connection.</summary>
        public ulong TicksSent { get; private set; }
        /// <summary>True after the handshake, until Bye or a failure.</summary>
        public bool IsConnected { get { return transport != null; } }
        /// <summary>True once every agent was stopped and Bye was sent.</summary>
        public bool Finished { get; private set; }
        /// <summary>The last reply received (for diagnostics), or null.</summary>
        public Reply LastReply { get; private set; }

        /// <summary>Raised after every exchanged tick, with the tick and its reply.</summary>
        public event Action<Tick, Reply> Exchanged;
        /// <summary>Raised when Bye was sent because every agent is stopped.</summary>
        public event Action AllStopped;

        /// <summary>
        /// Opens the connection: Hello with every agent, Welcome (configs applied, mode
        /// adopted) or <see cref="HandshakeRejectedException"/>. Agents start idle and seq at 0.
        /// Calling it again reconnects: a new connection, a new Hello with the same ids.
        /// </summary>
        public Welcome Connect()
        {
            CloseTransport();
            var hello = new Hello
            {
                Engine = Settings.Engine ?? "",
                EngineVersion = Settings.EngineVersion ?? "",
                Token = Settings.Token,
                Mode = Settings.Mode,
            };
            foreach (var a in agents)
            {
                a.ResetToIdle();
                hello.Agents.Add(a.ToAgentInfo());
            }
            var t = transportFactory();
            Welcome welcome;
            try
            {
                welcome = t.Open(hello);
            }
            catch
            {
                t.Dispose();
                throw;
            }
            transport = t;
            // Every agent, configured or not, so no config of an earlier connection stays.
            foreach (var a in agents)
            {
                var cfg = welcome.Agents.Find(c => c.Id == a.Id);
                a.ApplyConfig(cfg == null ? new List<Field>() : cfg.Fields);
            }
            Mode = welcome.Mode;
            Seq = 0;
            TicksSent = 0;
            Finished = false;
            return welcome;
        }

        /// <summary>Closes the current connection (if any) and opens a new one; see <see cref="Connect"/>.</summary>
        public Welcome Reconnect() { return Connect(); }

        /// <summary>
        /// One physics frame. Returns false once every agent is stopped (Bye sent). Throws
        /// <see cref="Ai4uException"/> subclasses on a timeout, a lost connection or a
        /// protocol violation; the connection is closed then.
        /// </summary>
        public bool Step()
        {
            if (Finished) return false;
            if (transport == null) throw new InvalidOperationException("not connected: call Connect() first");

            tick.Agents.Clear();
            inTick.Clear();
            inTickSet.Clear();
            foreach (var a in agents) a.AccountFrame();
            // A fresh episode reports with the next decision of the agents already acting, so
            // agents reset at different frames decide together again (a controller stepping
            // them as a batch would otherwise wait on itself). An episode that ends in
            // mid-period is no decision: the batch still waits for the others' period ends.
            bool anyActing = false, anyDue = false;
            foreach (var a in agents)
            {
                if (!a.IsActing) continue;
                anyActing = true;
                anyDue |= a.DecisionDue && !a.Done;
            }
            bool aligned = !anyActing || anyDue;
            foreach (var a in agents)
            {
                var s = a.PrepareTick(aligned);
                if (s == null) continue;
                tick.Agents.Add(s);
                inTick.Add(a);
                inTickSet.Add(a);
            }

            if (tick.Agents.Count > 0)
            {
                tick.Seq = Seq;
                Reply reply;
                try
                {
                    reply = transport.Exchange(tick);
                }
                catch
                {
                    CloseTransport();
                    throw;
                }
                Seq++;
                TicksSent++;
                LastReply = reply;
                foreach (var a in inTick) a.AfterTickSent();
                ApplyReply(reply);
                if (Exchanged != null) Exchanged(tick, reply);
            }

            if (AllAgentsStopped())
            {
                transport.SendBye("all agents stopped");
                CloseTransport();
                Finished = true;
                if (AllStopped != null) AllStopped();
                return false;
            }

            foreach (var a in agents) a.ApplyFrameAction();
            return true;
        }

        void ApplyReply(Reply reply)
        {
            commanded.Clear();
            for (int i = 0; i < reply.Commands.Count; i++)
            {
                var c = reply.Commands[i];
                Agent a;
                // Commands for ids that are not in this tick are ignored (PROTOCOL.md §5).
                if (!byId.TryGetValue(c.Id, out a) || !inTickSet.Contains(a)) continue;
                commanded.Add(a);
                a.Apply(c.Command, Mode);
            }
            foreach (var a in inTick)
                if (!commanded.Contains(a)) a.Apply(WaitCommand, Mode);
        }

        bool AllAgentsStopped()
        {
            foreach (var a in agents)
                if (a.Phase != AgentPhase.Stopped) return false;
            return true;
        }

        /// <summary>Leaves: Bye (if connected) and close. Agents keep their state.</summary>
        public void Close(string reason = "engine closed")
        {
            if (transport == null) return;
            try { transport.SendBye(reason); }
            finally { CloseTransport(); }
        }

        void CloseTransport()
        {
            var t = transport;
            transport = null;
            if (t != null) t.Dispose();
        }

        /// <inheritdoc/>
        public void Dispose() { Close(); }
    }
}
