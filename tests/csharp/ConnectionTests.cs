using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using NUnit.Framework;

namespace Ai4u.Tests
{
    /// <summary>The TCP connection against fake controllers: handshake, timeouts, violations, closes.</summary>
    [TestFixture]
    public class ConnectionTests
    {
        static Welcome WelcomeFor(Hello h)
        {
            var w = new Welcome { Mode = h.Mode };
            foreach (var a in h.Agents) w.Agents.Add(new AgentConfig { Id = a.Id });
            return w;
        }

        static TickRequestor Requestor(ConnectionSettings s, params string[] ids)
        {
            return new TickRequestor(s, ids.Select(id => new Agent(id, new ModelMetadata(), new RecordingBody())));
        }

        [Test]
        public void HandshakeSendsTheHelloAndAdoptsTheWelcomesMode()
        {
            using (var fake = new FakeController((f, s) =>
            {
                var h = (Hello)f.Read(s);
                var w = WelcomeFor(h);
                w.Mode = Mode.Realtime;
                w.Agents[1].Fields.Add(new Field("max_steps", Value.Int(9)));
                f.Send(s, w);
                f.Read(s); // the first tick
                f.Send(s, new Reply { Seq = 0 });
                f.Read(s); // bye on close
            }))
            {
                var settings = fake.Settings();
                settings.Token = "tok";
                var r = Requestor(settings, "p", "q");
                r.Connect();
                Assert.AreEqual(Mode.Realtime, r.Mode);
                Assert.AreEqual(9u, r.Agents[1].MaxSteps);
                Assert.IsTrue(r.Step());
                r.Close("done here");
                fake.Join();
                var hello = (Hello)fake.Received[0];
                Assert.AreEqual(Protocol.Magic, hello.Magic);
                Assert.AreEqual((ushort)2, hello.Version);
                Assert.AreEqual("tok", hello.Token);
                CollectionAssert.AreEqual(new[] { "p", "q" }, hello.Agents.Select(a => a.Id));
                var tick = (Tick)fake.Received[1];
                Assert.AreEqual(0UL, tick.Seq);
                Assert.IsTrue(tick.Agents.All(a => a.Status == AgentStatus.Idle));
                Assert.AreEqual("done here", ((Bye)fake.Received[2]).Reason);
            }
        }

        [Test]
        public void RejectBecomesAnExceptionWithTheReason()
        {
            using (var fake = new FakeController((f, s) =>
            {
                f.Read(s);
                f.Send(s, new Reject { Reason = "unknown agent id `7` (this server serves 0, 1)" });
            }))
            {
                var e = Assert.Throws<HandshakeRejectedException>(() => Requestor(fake.Settings(), "7").Connect());
                Assert.AreEqual("unknown agent id `7` (this server serves 0, 1)", e.Reason);
                StringAssert.Contains("rejected", e.Message);
                fake.Join();
            }
        }

        [Test]
        public void SilentControllerTimesOutWithAClearMessage()
        {
            var release = new ManualResetEvent(false);
            using (var fake = new FakeController((f, s) =>
            {
                f.Send(s, WelcomeFor((Hello)f.Read(s)));
                f.Read(s);
                release.WaitOne(5000); // never answers tick 0
            }))
            {
                var r = Requestor(fake.Settings(0.3), "0");
                r.Connect();
                var clock = Stopwatch.StartNew();
                var e = Assert.Throws<ControllerTimeoutException>(() => r.Step());
                Assert.AreEqual("controller did not answer tick 0 within 0.3 s", e.Message);
                Assert.That(clock.Elapsed.TotalSeconds, Is.InRange(0.25, 3.0));
                Assert.IsFalse(r.IsConnected);
                release.Set();
                fake.Join();
            }
        }

        [Test]
        public void WrongSeqIsReportedToTheControllerWithError()
        {
            using (var fake = new FakeController((f, s) =>
            {
                f.Send(s, WelcomeFor((Hello)f.Read(s)));
                f.Read(s);
                f.Send(s, new Reply { Seq = 5 });
                f.Read(s); // the Error
                Assert.IsNull(f.Read(s), "the engine closes after the Error");
            }))
            {
                var r = Requestor(fake.Settings(), "0");
                r.Connect();
                var e = Assert.Throws<ProtocolException>(() => r.Step());
                Assert.AreEqual("reply seq 5 does not match tick seq 0", e.Message);
                fake.Join();
                Assert.AreEqual("reply seq 5 does not match tick seq 0", ((ErrorMessage)fake.Received.Last()).Reason);
            }
        }

        [Test]
        public void OversizedFrameHeaderIsRefusedWithoutReadingTheBody()
        {
            using (var fake = new FakeController((f, s) =>
            {
                f.Read(s);
                s.Send(new byte[] { 0xff, 0xff, 0xff, 0xff, 1, 2, 3 });
                f.Read(s);
            }))
            {
                var e = Assert.Throws<ProtocolException>(() => Requestor(fake.Settings(), "0").Connect());
                Assert.AreEqual("frame of 4294967295 bytes exceeds the limit of 67108864 bytes", e.Message);
                fake.Join();
                StringAssert.StartsWith("frame of 4294967295 bytes", ((ErrorMessage)fake.Received.Last()).Reason);
            }
        }

        [Test]
        public void MalformedReplyIsReportedWithError()
        {
            using (var fake = new FakeController((f, s) =>
            {
                f.Send(s, WelcomeFor((Hello)f.Read(s)));
                f.Read(s);
                s.Send(new byte[] { 4, 0, 0, 0, 9, 0, 0, 0 }); // a frame holding an unknown message tag
                f.Read(s);
            }))
            {
                var r = Requestor(fake.Settings(), "0");
                r.Connect();
                Assert.AreEqual("unknown message tag 9", Assert.Throws<ProtocolException>(() => r.Step()).Message);
                fake.Join();
                Assert.AreEqual("unknown message tag 9", ((ErrorMessage)fake.Received.Last()).Reason);
            }
        }

        [Test]
        public void ControllerErrorAndCloseAreReported()
        {
            using (var fake = new FakeController((f, s) =>
            {
                f.Send(s, WelcomeFor((Hello)f.Read(s)));
                f.Read(s);
                f.Send(s, new ErrorMessage { Reason = "tick names agent `x`" });
            }))
            {
                var r = Requestor(fake.Settings(), "0");
                r.Connect();
                Assert.AreEqual("tick names agent `x`", Assert.Throws<ControllerErrorException>(() => r.Step()).Reason);
                fake.Join();
            }
            using (var fake = new FakeController((f, s) =>
            {
                f.Send(s, WelcomeFor((Hello)f.Read(s)));
                f.Read(s);
                s.Shutdown(SocketShutdown.Both);
            }))
            {
                var r = Requestor(fake.Settings(10), "0");
                r.Connect();
                var clock = Stopwatch.StartNew();
                var e = Assert.Throws<ConnectionLostException>(() => r.Step());
                StringAssert.Contains("closed the connection while the engine waited for the reply to tick 0", e.Message);
                Assert.Less(clock.Elapsed.TotalSeconds, 5, "a close is noticed at once, not at the timeout");
                fake.Join();
            }
        }

        [Test]
        public void NobodyListeningIsAClearError()
        {
            int port;
            var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
            l.Start();
            port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            var s = new ConnectionSettings { Port = port, ConnectTimeoutSeconds = 2 };
            var e = Assert.Throws<ConnectionLostException>(() => Requestor(s, "0").Connect());
            StringAssert.Contains("could not connect to the controller at 127.0.0.1:" + port, e.Message);
        }

        [Test]
        public void AControllerThatStartsLaterIsFoundByRetrying()
        {
            var probe = new TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var said = new System.Collections.Generic.List<string>();
            var refused = new ManualResetEventSlim();
            var s = new ConnectionSettings
            {
                Port = port, ConnectTimeoutSeconds = 20, ReplyTimeoutSeconds = 5,
                OnWaiting = line => { lock (said) said.Add(line); refused.Set(); },
            };
            // The controller comes up only after a first attempt was refused (and said so),
            // however slowly this machine runs the engine side.
            var late = new Thread(() =>
            {
                Assert.IsTrue(refused.Wait(20000), "the engine never said it was waiting");
                Thread.Sleep(300);
                var l = new TcpListener(System.Net.IPAddress.Loopback, port);
                l.Start();
                using (var sock = l.AcceptSocket())
                {
                    var hello = (Hello)ReadMessage(sock);
                    var w = new WireWriter();
                    w.WriteFrame(WelcomeFor(hello));
                    sock.Send(w.Buffer, 0, w.Length, SocketFlags.None);
                    Thread.Sleep(200);
                }
                l.Stop();
            });
            late.Start();
            var welcome = Requestor(s, "0").Connect();
            late.Join();
            Assert.AreEqual(1, welcome.Agents.Count);
            Assert.AreEqual(1, said.Count, string.Join(" | ", said));
            StringAssert.StartsWith("waiting for the controller at 127.0.0.1:" + port, said[0]);
        }

        static Message ReadMessage(Socket s)
        {
            var header = new byte[4];
            for (int got = 0; got < 4;) got += s.Receive(header, got, 4 - got, SocketFlags.None);
            int n = (int)BitConverter.ToUInt32(header, 0);
            var body = new byte[n];
            for (int got = 0; got < n;) got += s.Receive(body, got, n - got, SocketFlags.None);
            return WireReader.Decode(body);
        }
    }
}
