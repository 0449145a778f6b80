//! The engine's end of one connection: handshake, then one tick/reply exchange at a time.
//! Blocking std I/O: an engine's physics loop waits for its reply anyway.

use crate::wire::{
    AgentInfo, AgentState, FrameReader, FrameWriter, Hello, Limits, Message, Mode, Reply, Tick, Welcome, WireError,
    DEFAULT_ADDR,
};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How an engine connects.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// `host:port` of the controller.
    pub addr: String,
    /// Engine name sent in the Hello, free text (default `ai4u-rust`).
    pub engine: String,
    /// Engine version sent in the Hello, free text (default this crate's version).
    pub engine_version: String,
    /// Auth token sent in the Hello; required when the controller has one (default none).
    pub token: Option<String>,
    /// The mode asked for in the Hello; the Welcome's mode is the one in force (default lockstep).
    pub mode: Mode,
    /// How long to try connecting (the controller may start a moment later).
    pub connect_timeout: Duration,
    /// How long to wait for each reply; `None` waits forever.
    pub reply_timeout: Option<Duration>,
    /// Bounds on the frames and messages accepted from the controller.
    pub limits: Limits,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            addr: DEFAULT_ADDR.to_owned(),
            engine: "ai4u-rust".to_owned(),
            engine_version: env!("CARGO_PKG_VERSION").to_owned(),
            token: None,
            mode: Mode::Lockstep,
            connect_timeout: Duration::from_secs(10),
            reply_timeout: Some(Duration::from_secs(120)),
            limits: Limits::default(),
        }
    }
}

/// Why the engine side stopped.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No TCP connection within `connect_timeout`: is the controller running at that address?
    #[error("cannot connect to the controller at {addr}: {source}")]
    Connect {
        /// The address tried, [`EngineOptions::addr`].
        addr: String,
        /// The last attempt's error.
        source: std::io::Error,
    },
    /// The controller answered the Hello with Reject (bad token, version, unknown or taken agent id); holds its reason.
    #[error("the controller rejected the connection: {0}")]
    Rejected(String),
    /// The controller sent Error, reporting a protocol violation by this side, and closed; holds its reason.
    #[error("the controller reported an error: {0}")]
    Remote(String),
    /// No Welcome or Reply within [`EngineOptions::reply_timeout`].
    #[error("controller did not answer {what} within {secs:.1} s")]
    Timeout {
        /// What went unanswered: `the Hello` or `tick N`.
        what: String,
        /// The timeout that expired, in seconds.
        secs: f64,
    },
    /// The controller closed the connection between frames, without Reject or Error.
    #[error("the controller closed the connection")]
    Closed,
    /// A valid message of the wrong kind arrived (say a Tick while waiting for the Welcome); Error was sent back.
    #[error("unexpected {got} from the controller while waiting for {expected}")]
    Unexpected {
        /// The kind received, as [`Message::kind_name`] names it.
        got: &'static str,
        /// The kind awaited: `Welcome` or `Reply`.
        expected: &'static str,
    },
    /// A Reply's `seq` is not the tick's just sent; Error was sent back.
    #[error("reply seq {got} does not answer tick {expected}")]
    SeqMismatch {
        /// The `seq` of the tick sent.
        expected: u64,
        /// The `seq` in the reply.
        got: u64,
    },
    /// The connection failed (I/O) or the controller sent malformed bytes (Error was sent back).
    #[error(transparent)]
    Wire(#[from] WireError),
}

/// A connected, welcomed engine connection.
pub struct EngineConnection {
    reader: FrameReader<TcpStream>,
    writer: FrameWriter<TcpStream>,
    welcome: Welcome,
    next_seq: u64,
    reply_timeout: Option<Duration>,
}

fn connect_with_retry(addr: &str, timeout: Duration) -> Result<TcpStream, EngineError> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let attempt = addr
            .to_socket_addrs()
            .and_then(|mut a| a.next().ok_or_else(|| std::io::Error::other("address resolves to nothing")))
            .and_then(|sa: SocketAddr| TcpStream::connect_timeout(&sa, Duration::from_secs(2)));
        match attempt {
            Ok(s) => return Ok(s),
            Err(e) if std::time::Instant::now() >= deadline => {
                return Err(EngineError::Connect { addr: addr.to_owned(), source: e })
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

impl EngineConnection {
    /// Connects, sends Hello for `agents` and waits for the Welcome.
    pub fn connect(opts: &EngineOptions, agents: Vec<AgentInfo>) -> Result<EngineConnection, EngineError> {
        let stream = connect_with_retry(&opts.addr, opts.connect_timeout)?;
        // Ticks are small and latency-bound: never let Nagle hold one back.
        stream.set_nodelay(true).map_err(WireError::from)?;
        stream.set_read_timeout(opts.reply_timeout).map_err(WireError::from)?;
        let read_half = stream.try_clone().map_err(WireError::from)?;
        let mut conn = EngineConnection {
            reader: FrameReader::new(read_half, opts.limits),
            writer: FrameWriter::new(stream),
            welcome: Welcome { version: 0, mode: opts.mode, agents: vec![] },
            next_seq: 0,
            reply_timeout: opts.reply_timeout,
        };
        let mut hello = Hello::new(opts.engine.clone(), opts.engine_version.clone(), opts.mode, agents);
        hello.token = opts.token.clone();
        conn.writer.write_message(&Message::Hello(hello))?;
        match conn.receive(u64::MAX)? {
            Message::Welcome(w) => conn.welcome = w,
            Message::Reject { reason } => return Err(EngineError::Rejected(reason)),
            other => return Err(conn.unexpected(other, "Welcome")),
        }
        Ok(conn)
    }

    /// What the controller answered to the Hello (mode in force, per-agent config).
    pub fn welcome(&self) -> &Welcome {
        &self.welcome
    }

    /// Sends one tick and waits for its reply.
    pub fn exchange(&mut self, agents: Vec<AgentState>) -> Result<Reply, EngineError> {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.writer.write_message(&Message::Tick(Tick { seq, agents }))?;
        match self.receive(seq)? {
            Message::Reply(r) if r.seq == seq => Ok(r),
            Message::Reply(r) => {
                let err = EngineError::SeqMismatch { expected: seq, got: r.seq };
                let _ = self.writer.write_message(&Message::Error { reason: err.to_string() });
                Err(err)
            }
            other => Err(self.unexpected(other, "Reply")),
        }
    }

    /// Says goodbye and closes.
    pub fn bye(mut self, reason: &str) -> Result<(), EngineError> {
        self.writer.write_message(&Message::Bye { reason: reason.to_owned() })?;
        let _ = self.writer.get_ref().shutdown(std::net::Shutdown::Write);
        Ok(())
    }

    fn receive(&mut self, seq: u64) -> Result<Message, EngineError> {
        match self.reader.read_message() {
            Ok(Some(Message::Error { reason })) => Err(EngineError::Remote(reason)),
            Ok(Some(m)) => Ok(m),
            Ok(None) => Err(EngineError::Closed),
            Err(e) if e.is_timeout() => {
                let what = if seq == u64::MAX { "the Hello".to_owned() } else { format!("tick {seq}") };
                Err(EngineError::Timeout { what, secs: self.reply_timeout.map_or(0.0, |d| d.as_secs_f64()) })
            }
            Err(WireError::Protocol(p)) => {
                let _ = self.writer.write_message(&Message::Error { reason: p.to_string() });
                Err(WireError::Protocol(p).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn unexpected(&mut self, got: Message, expected: &'static str) -> EngineError {
        let err = EngineError::Unexpected { got: got.kind_name(), expected };
        let _ = self.writer.write_message(&Message::Error { reason: err.to_string() });
        err
    }
}
