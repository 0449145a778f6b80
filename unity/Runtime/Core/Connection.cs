using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Ai4u
{
    /// <summary>Where and how an engine connects to its controller.</summary>
    public sealed class ConnectionSettings
    {
        /// <summary>Controller host (name or address).</summary>
        public string Host = Protocol.DefaultHost;
        /// <summary>Controller port.</summary>
        public int Port = Protocol.DefaultPort;
        /// <summary>Auth token; null for none.</summary>
        public string Token;
        /// <summary>The mode asked for in the Hello; the Welcome's mode is the one followed.</summary>
        public Mode Mode = Mode.Lockstep;
        /// <summary>How long to wait for each reply (and for the Welcome) before giving up.</summary>
        public double ReplyTimeoutSeconds = 120;
        /// <summary>How long to keep trying to open the TCP connection (refused attempts are retried).</summary>
        public double ConnectTimeoutSeconds = 10;
        /// <summary>Told once when the controller is not there yet and connecting is retried
        /// (Unity: <c>Debug.Log</c>); null to stay silent.</summary>
        public Action<string> OnWaiting;
        /// <summary>Engine name sent in the Hello.</summary>
        public string Engine = "unity";
        /// <summary>Engine version sent in the Hello.</summary>
        public string EngineVersion = "";
        /// <summary>Decoder limits for incoming messages.</summary>
        public Limits Limits = Limits.Default;
        /// <summary>Prefixed to every agent id on this connection (<c>--ai4u_id_prefix=w3-</c>), so
        /// several instances of one game can serve one controller; empty for none.</summary>
        public string IdPrefix = "";

        /// <summary>A copy.</summary>
        public ConnectionSettings Clone() { return (ConnectionSettings)MemberwiseClone(); }
    }

    /// <summary>
    /// The session's transport as the requestor sees it. <see cref="ControllerConnection"/> is
    /// the TCP one; tests substitute scripted ones to drive the lifecycle without sockets.
    /// </summary>
    public interface ITransport : IDisposable
    {
        /// <summary>Sends the Hello and returns the Welcome; throws <see cref="HandshakeRejectedException"/> on Reject.</summary>
        Welcome Open(Hello hello);
        /// <summary>Sends a tick and returns its reply (seq checked).</summary>
        Reply Exchange(Tick tick);
        /// <summary>Sends Bye and closes.</summary>
        void SendBye(string reason);
        /// <summary>Closes without a word (after a failure).</summary>
        void Close();
    }

    /// <summary>
    /// One TCP connection to an ai4u controller: u32 LE framing, handshake, tick/reply
    /// exchange with a timeout, Error on a protocol violation, Bye. All calls block; in Unity
    /// they run on the main thread in FixedUpdate, which is what makes lockstep deterministic.
    /// </summary>
    public sealed class ControllerConnection : ITransport
    {
        readonly ConnectionSettings settings;
        readonly WireWriter writer = new WireWriter(64 * 1024);
        readonly byte[] header = new byte[4];
        byte[] payload = new byte[64 * 1024];
        Socket socket;

        /// <summary>Creates an unopened connection.</summary>
        public ControllerConnection(ConnectionSettings settings)
        {
            if (settings == null) throw new ArgumentNullException("settings");
            this.settings = settings;
        }

        /// <summary>True between a successful <see cref="Open"/> and a close.</summary>
        public bool IsOpen { get { return socket != null; } }

        string Endpoint { get { return settings.Host + ":" + settings.Port; } }

        /// <inheritdoc/>
        public Welcome Open(Hello hello)
        {
            Close();
            Connect();
            Send(hello);
            var msg = Receive("the hello", "the Welcome");
            switch (msg.Kind)
            {
                case MessageKind.Welcome:
                    var w = (Welcome)msg;
                    if (w.Agents.Count != hello.Agents.Count)
                        throw Fail(string.Format("welcome configures {0} agents, the hello declared {1}", w.Agents.Count, hello.Agents.Count));
                    for (int i = 0; i < w.Agents.Count; i++)
                        if (w.Agents[i].Id != hello.Agents[i].Id)
                            throw Fail(string.Format("welcome agent {0} is `{1}`, the hello declared `{2}` there", i, w.Agents[i].Id, hello.Agents[i].Id));
                    return w;
                case MessageKind.Reject:
                    Close();
                    throw new HandshakeRejectedException(((Reject)msg).Reason);
                case MessageKind.Error:
                    Close();
                    throw new ControllerErrorException(((ErrorMessage)msg).Reason);
                default:
                    throw Fail("expected Welcome or Reject after the hello, got " + msg.Kind);
            }
        }

        /// <inheritdoc/>
        public Reply Exchange(Tick tick)
        {
            Send(tick);
            var msg = Receive("tick " + tick.Seq, "the reply to tick " + tick.Seq);
            switch (msg.Kind)
            {
                case MessageKind.Reply:
                    var r = (Reply)msg;
                    if (r.Seq != tick.Seq)
                        throw Fail(string.Format("reply seq {0} does not match tick seq {1}", r.Seq, tick.Seq));
                    return r;
                case MessageKind.Error:
                    Close();
                    throw new ControllerErrorException(((ErrorMessage)msg).Reason);
                default:
                    throw Fail(string.Format("expected Reply to tick {0}, got {1}", tick.Seq, msg.Kind));
            }
        }

        /// <inheritdoc/>
        public void SendBye(string reason)
        {
            if (socket == null) return;
            try
            {
                Send(new Bye { Reason = reason ?? "" });
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Ai4uException) { }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
            Close();
        }

        /// <summary>
        /// Reports a protocol violation to the controller (Error message), closes, and returns
        /// the exception for the caller to throw.
        /// </summary>
        public ProtocolException Fail(string reason)
        {
            if (socket != null)
            {
                try { Send(new ErrorMessage { Reason = reason }); }
                catch (Ai4uException) { }
                catch (SocketException) { }
                catch (ObjectDisposedException) { }
            }
            Close();
            return new ProtocolException(reason);
        }

        /// <inheritdoc/>
        public void Close()
        {
            var s = socket;
            socket = null;
            if (s != null)
            {
                try { s.Close(); } catch (SocketException) { }
            }
        }

        /// <inheritdoc/>
        public void Dispose() { Close(); }

        /// <summary>Retries a refused connection until <see cref="ConnectionSettings.ConnectTimeoutSeconds"/>:
        /// the controller may start after the game (a launcher, a trainer that loads first).
        /// <see cref="ConnectionSettings.OnWaiting"/> hears about it once.</summary>
        void Connect()
        {
            var deadline = DateTime.UtcNow.AddSeconds(settings.ConnectTimeoutSeconds);
            bool said = false;
            while (true)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                // Ticks are small and strictly request/response: Nagle would add latency to every step.
                s.NoDelay = true;
                SocketException refused;
                try
                {
                    var left = Math.Max(0.0, (deadline - DateTime.UtcNow).TotalSeconds);
                    var ar = s.BeginConnect(settings.Host, settings.Port, null, null);
                    if (!ar.AsyncWaitHandle.WaitOne(Millis(left)))
                    {
                        s.Close();
                        throw new ConnectionLostException(string.Format(
                            "could not connect to the controller at {0} within {1} s", Endpoint, Secs(settings.ConnectTimeoutSeconds)));
                    }
                    s.EndConnect(ar);
                    socket = s;
                    return;
                }
                catch (SocketException e)
                {
                    s.Close();
                    refused = e;
                }
                if (DateTime.UtcNow >= deadline)
                    throw new ConnectionLostException(string.Format(
                        "could not connect to the controller at {0} within {1} s: {2} (is `ai4u serve` running?)",
                        Endpoint, Secs(settings.ConnectTimeoutSeconds), refused.Message), refused);
                if (!said && settings.OnWaiting != null)
                    settings.OnWaiting(string.Format("waiting for the controller at {0} (up to {1} s)", Endpoint, Secs(settings.ConnectTimeoutSeconds)));
                said = true;
                System.Threading.Thread.Sleep(200);
            }
        }

        /// <summary>Frames and sends one message (one Send call per frame).</summary>
        public void Send(Message msg)
        {
            if (socket == null) throw new ConnectionLostException("not connected to the controller");
            writer.WriteFrame(msg);
            try
            {
                int sent = 0;
                while (sent < writer.Length)
                    sent += socket.Send(writer.Buffer, sent, writer.Length - sent, SocketFlags.None);
            }
            catch (SocketException e)
            {
                Close();
                throw new ConnectionLostException(string.Format(
                    "lost the connection to the controller at {0} while sending {1}: {2}", Endpoint, msg.Kind, e.Message), e);
            }
        }

        /// <summary>Receives one message within the reply timeout. Malformed input → Error to the controller, close, throw.</summary>
        Message Receive(string answering, string waitingFor)
        {
            var deadline = Stopwatch.StartNew();
            ReadExactly(header, 4, deadline, answering, waitingFor);
            uint len = LittleEndian.U32(header, 0);
            if (len == 0) throw Fail("empty frame");
            if (len > settings.Limits.MaxFrameLength)
                throw Fail(string.Format("frame of {0} bytes exceeds the limit of {1} bytes", len, settings.Limits.MaxFrameLength));
            if (payload.Length < len) payload = new byte[Math.Max(len, (uint)payload.Length * 2)];
            ReadExactly(payload, (int)len, deadline, answering, waitingFor);
            try
            {
                return WireReader.Decode(payload, 0, (int)len, settings.Limits);
            }
            catch (ProtocolException e)
            {
                throw Fail(e.Message);
            }
        }

        void ReadExactly(byte[] into, int count, Stopwatch clock, string answering, string waitingFor)
        {
            int got = 0;
            double timeout = settings.ReplyTimeoutSeconds;
            while (got < count)
            {
                if (socket == null) throw new ConnectionLostException("not connected to the controller");
                int left = Millis(timeout) - (int)clock.ElapsedMilliseconds;
                if (left <= 0) throw TimedOut(answering);
                // A per-call timeout refreshed from one deadline: a controller trickling bytes
                // cannot stretch the wait beyond the configured timeout.
                socket.ReceiveTimeout = left;
                int n;
                try
                {
                    n = socket.Receive(into, got, count - got, SocketFlags.None);
                }
                catch (SocketException e)
                {
                    if (e.SocketErrorCode == SocketError.TimedOut || e.SocketErrorCode == SocketError.WouldBlock)
                        throw TimedOut(answering);
                    Close();
                    throw new ConnectionLostException(string.Format(
                        "lost the connection to the controller at {0} while waiting for {1}: {2}", Endpoint, waitingFor, e.Message), e);
                }
                catch (ObjectDisposedException e)
                {
                    throw new ConnectionLostException("the connection was closed while waiting for " + waitingFor, e);
                }
                if (n == 0)
                {
                    Close();
                    throw new ConnectionLostException(string.Format(
                        "the controller at {0} closed the connection while the engine waited for {1}", Endpoint, waitingFor));
                }
                got += n;
            }
        }

        ControllerTimeoutException TimedOut(string answering)
        {
            Close();
            return new ControllerTimeoutException(string.Format(
                "controller did not answer {0} within {1} s", answering, Secs(settings.ReplyTimeoutSeconds)));
        }

        static int Millis(double seconds)
        {
            double ms = seconds * 1000.0;
            return ms >= int.MaxValue ? int.MaxValue : Math.Max(1, (int)ms);
        }

        static string Secs(double s) { return s.ToString("0.###", CultureInfo.InvariantCulture); }
    }
}
