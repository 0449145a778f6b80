//! The network side: a tokio runtime on its own thread accepts engine connections, runs
//! the handshake and, per connection, routes tick entries to daemon threads and gathers
//! their commands into one reply.
//!
//! Invariants: an agent id is served by at most one connection at a time; every tick gets
//! exactly one reply, in order; a connection's failure reaches only its own agents.

pub(crate) mod registry;
mod session;

use crate::daemon::{ConnCmd, ConnLink, DaemonMsg};
use crate::timing::StepClock;
use ai4u_core::value::{Field, ValueKind};
use ai4u_core::wire::*;
use crossbeam_channel::Sender;
use registry::Registry;
use session::Session;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

/// Settings of an appserver; build them with [`AppServer::builder`](crate::AppServer::builder)
/// (new settings may be added, so the struct cannot be built literally).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerOptions {
    /// The address to listen on.
    pub host: String,
    /// The TCP port (0 picks a free one); the legacy UDP front end uses the same number.
    pub port: u16,
    /// `None` = each engine's wish; `Some` = this mode for every connection.
    pub mode: Option<Mode>,
    /// When set, engines must present this token in their Hello.
    pub token: Option<String>,
    /// How long `start` waits for engines to configure every id.
    pub connect_timeout: Duration,
    /// How long a reset or step waits for the engine's answer.
    pub step_timeout: Duration,
    /// How long a connection may take to send its Hello.
    pub handshake_timeout: Duration,
    /// Lockstep: how long a tick in which no agent needs an action is held before Wait.
    pub idle_hold: Duration,
    /// Frame size and collection limits, checked before anything is allocated; its
    /// `max_agent_elements` bounds what one agent may declare.
    pub limits: Limits,
    /// Most tensor elements the agents connected at one time may declare together
    /// (default 2^24): an engine whose agents would pass it is refused.
    pub max_total_elements: u64,
    /// Largest Hello accepted, in bytes (default 1 MiB): a connection that has not been
    /// accepted yet cannot make the server read and decode 64 MiB frames.
    pub max_hello_len: u32,
    /// Most connections that may wait for their handshake at once (default 64); more are
    /// answered with an Error and closed. With `max_hello_len` this bounds what strangers
    /// can make the server buffer: 64 MiB by default.
    pub max_pending_handshakes: usize,
    /// Allows listening beyond loopback without a token, and AI4U's UDP protocol (which
    /// cannot carry one) beyond loopback. Off by default: such servers are refused at bind.
    pub insecure: bool,
    /// Per-agent configuration sent in every Welcome (e.g. `max_steps`, `frame_skip`).
    pub agent_config: Vec<Field>,
    /// Also serve scenes made with the original AI4U packages, over their UDP text
    /// protocol on the same host and port number.
    pub legacy_udp: bool,
    /// The edition of AI4U's engine side the legacy front end answers (`None`: told from
    /// each agent's messages, the `__ctrl_*__` fields and wait words of Godot 4).
    pub legacy_edition: Option<ai4u_core::legacy::Edition>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            host: "127.0.0.1".into(),
            port: 8080,
            mode: None,
            token: None,
            connect_timeout: Duration::from_secs(60),
            step_timeout: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(10),
            idle_hold: Duration::from_millis(100),
            limits: Limits::default(),
            max_total_elements: 1 << 24,
            max_hello_len: 1 << 20,
            max_pending_handshakes: 64,
            insecure: false,
            agent_config: Vec::new(),
            legacy_udp: false,
            legacy_edition: None,
        }
    }
}

/// How an engine connection ended. Its text is the `reason` of the agents'
/// [`Disconnected`](crate::AppError::Disconnected) errors and of the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnectionEnd {
    /// The engine said Bye (with its reason).
    Goodbye(String),
    /// The server is shutting down: every daemon is gone.
    Shutdown,
    /// The handshake was refused; the engine got a Reject with this reason.
    Rejected(String),
    /// The engine broke the protocol; it got an Error with this reason.
    Violation(String),
    /// The engine sent an Error.
    EngineError(String),
    /// The socket closed or failed, or the Hello did not come in time.
    Lost(String),
}

impl ConnectionEnd {
    /// Whether the log should report it: anything but an orderly goodbye or shutdown.
    fn is_failure(&self) -> bool {
        !matches!(self, ConnectionEnd::Goodbye(_) | ConnectionEnd::Shutdown)
    }
}

impl std::fmt::Display for ConnectionEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectionEnd::Goodbye(reason) => write!(f, "engine said goodbye: {reason}"),
            ConnectionEnd::Shutdown => f.write_str("server shut down"),
            ConnectionEnd::Rejected(reason) => write!(f, "rejected: {reason}"),
            ConnectionEnd::Violation(reason) | ConnectionEnd::Lost(reason) => f.write_str(reason),
            ConnectionEnd::EngineError(reason) => write!(f, "engine reported an error: {reason}"),
        }
    }
}

/// What every connection task shares.
pub(crate) struct Shared {
    pub opts: ServerOptions,
    /// The agent ids served: daemon inbox, serving connection, step clock.
    pub registry: Registry,
    pub(crate) next_conn: AtomicU64,
    /// Tensor elements declared by the agents connected now (see `max_total_elements`).
    elements_in_use: AtomicU64,
    /// Connections accepted whose handshake is not over (see `max_pending_handshakes`).
    pending_handshakes: AtomicUsize,
}

impl Shared {
    pub fn new(opts: ServerOptions, registry: Registry) -> Shared {
        Shared {
            opts,
            registry,
            next_conn: AtomicU64::new(1),
            elements_in_use: AtomicU64::new(0),
            pending_handshakes: AtomicUsize::new(0),
        }
    }

    /// Reserves `n` declared elements within the server's budget; the error is the Reject reason.
    fn claim_elements(&self, n: u64) -> Result<(), String> {
        let max = self.opts.max_total_elements;
        self.elements_in_use
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| used.checked_add(n).filter(|&t| t <= max))
            .map(|_| ())
            .map_err(|used| {
                format!(
                    "the agents declare {n} tensor elements; with the {used} already connected that is over the \
                     server's limit of {max} (ServerOptions::max_total_elements)"
                )
            })
    }
}

/// Text from the network made safe for a log line: control characters (newlines, ANSI
/// escapes) are written as `\u{..}` escapes, so an engine cannot forge or hide log lines.
pub(crate) fn escape_log(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Counts a connection as waiting for its handshake until dropped.
struct PendingHandshake(Arc<Shared>);

impl PendingHandshake {
    /// `None` when `max_pending_handshakes` connections already wait.
    fn claim(shared: &Arc<Shared>) -> Option<PendingHandshake> {
        let max = shared.opts.max_pending_handshakes;
        shared
            .pending_handshakes
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < max).then_some(n + 1))
            .ok()
            .map(|_| PendingHandshake(shared.clone()))
    }
}

impl Drop for PendingHandshake {
    fn drop(&mut self) {
        self.0.pending_handshakes.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let shared = shared.clone();
                    let conn_id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
                    let shutdown = shutdown.clone();
                    tasks.spawn(async move {
                        let (r, w) = stream.into_split();
                        let end = serve_connection(r, w, shared, conn_id, shutdown).await;
                        if end.is_failure() {
                            eprintln!("ai4u: engine connection from {peer} closed: {}", escape_log(&end.to_string()));
                        }
                    });
                    // Forget finished connections, so the set holds only live ones.
                    while tasks.try_join_next().is_some() {}
                }
                // Out of file descriptors and the like: keep serving the others.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            _ = shutdown.changed() => break,
        }
    }
    // Give every connection a moment to tell its engine why it ends (Error), rather than
    // have the runtime's end cut them.
    let _ = tokio::time::timeout(Duration::from_secs(1), async { while tasks.join_next().await.is_some() {} }).await;
}

/// What an engine is told when the controller goes away under it.
const SHUTDOWN_REASON: &str = "the controller shut down";

/// Registration of this connection's agents; released (and daemons told) on drop.
struct Registration {
    shared: Arc<Shared>,
    conn_id: u64,
    ids: Vec<String>,
    reason: String,
    /// Declared elements reserved in the server's budget.
    elements: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.shared.elements_in_use.fetch_sub(self.elements, Ordering::SeqCst);
        for id in &self.ids {
            if let Some(slot) = self.shared.registry.get(id) {
                let mut owner = slot.owner.lock().unwrap_or_else(|p| p.into_inner());
                if *owner == Some(self.conn_id) {
                    *owner = None;
                }
                let _ = slot.tx.send(DaemonMsg::Disconnected { conn_id: self.conn_id, reason: self.reason.clone() });
            }
        }
    }
}

/// The episode length the agent will really have: the Welcome's `max_steps` override when
/// the server sends one, else the engine's own.
pub(crate) fn effective_max_steps(config: &[Field], declared: u32) -> u32 {
    config
        .iter()
        .find(|f| f.name == "max_steps")
        .and_then(|f| match f.value {
            ai4u_core::value::Value::Int(n) => u32::try_from(n).ok(),
            _ => None,
        })
        .unwrap_or(declared)
}

/// Checks a Hello; the error is the Reject reason.
fn check_hello(h: &Hello, opts: &ServerOptions) -> Result<(), String> {
    if h.magic != MAGIC {
        return Err(format!("not an ai4u engine: bad magic {:#010x}", h.magic));
    }
    if h.version != PROTOCOL_VERSION {
        return Err(format!("protocol version {} is not supported (this server speaks {PROTOCOL_VERSION})", h.version));
    }
    if opts.token.is_some() && h.token != opts.token {
        return Err("wrong or missing auth token".into());
    }
    if h.agents.is_empty() {
        return Err("the Hello declares no agents".into());
    }
    let mut seen = std::collections::HashSet::new();
    for a in &h.agents {
        if !seen.insert(a.id.as_str()) {
            return Err(format!("agent id `{}` is declared twice", a.id));
        }
        // Before any space is built from the declaration.
        a.metadata.check_elements(opts.limits.max_agent_elements).map_err(|e| format!("agent `{}`: {e}", a.id))?;
        // An image is declared as it is laid out (HWC), so a transposed or flattened
        // declaration cannot be read the wrong way round.
        if let Some(i) = a.metadata.inputs.iter().find(|i| i.kind == ValueKind::Image && i.shape.len() != 3) {
            return Err(format!(
                "agent `{}`: image input `{}` is declared {:?}; an image input's shape is [height, width, channels]",
                a.id, i.name, i.shape
            ));
        }
    }
    Ok(())
}

/// Tells the engine what it did wrong (`Error`), then ends the connection with that reason.
async fn protocol_error<W: AsyncWrite + Unpin>(writer: &mut AsyncFrameWriter<W>, reason: String) -> ConnectionEnd {
    let _ = writer.write_message(&Message::Error { reason: reason.clone() }).await;
    ConnectionEnd::Violation(reason)
}

/// A read failed: a malformed frame gets an `Error` naming it; a broken socket has no one to tell.
async fn wire_failure<W: AsyncWrite + Unpin>(writer: &mut AsyncFrameWriter<W>, e: WireError) -> ConnectionEnd {
    match e {
        WireError::Protocol(_) => protocol_error(writer, e.to_string()).await,
        other => ConnectionEnd::Lost(other.to_string()),
    }
}

async fn reject<W: AsyncWrite + Unpin>(writer: &mut AsyncFrameWriter<W>, reason: String) -> ConnectionEnd {
    let _ = writer.write_message(&Message::Reject { reason: reason.clone() }).await;
    let _ = writer.shutdown().await;
    ConnectionEnd::Rejected(reason)
}

/// A write to the engine failed: the socket is gone.
fn lost(e: WireError) -> ConnectionEnd {
    ConnectionEnd::Lost(e.to_string())
}

async fn serve_connection<R, W>(
    r: R,
    w: W,
    shared: Arc<Shared>,
    conn_id: u64,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> ConnectionEnd
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let opts = &shared.opts;
    let mut writer = AsyncFrameWriter::new(w);
    let Some(pending) = PendingHandshake::claim(&shared) else {
        return protocol_error(
            &mut writer,
            format!(
                "too many connections are waiting for their handshake (limit {}); try again later",
                opts.max_pending_handshakes
            ),
        )
        .await;
    };
    // A stranger's Hello is read under a small frame limit; the engine's own limits apply
    // once it is welcomed.
    let hello_limits = Limits { max_frame_len: opts.limits.max_frame_len.min(opts.max_hello_len), ..opts.limits };
    let mut reader = AsyncFrameReader::new(r, hello_limits);

    let first = tokio::select! {
        r = tokio::time::timeout(opts.handshake_timeout, reader.read_message()) => r,
        _ = shutdown.changed() => {
            let _ = writer.write_message(&Message::Error { reason: SHUTDOWN_REASON.into() }).await;
            return ConnectionEnd::Shutdown;
        }
    };
    let hello = match first {
        Err(_) => {
            let reason = format!(
                "no Hello within {:.1} s of connecting (ServerOptions::handshake_timeout)",
                opts.handshake_timeout.as_secs_f64()
            );
            return protocol_error(&mut writer, reason).await;
        }
        Ok(Ok(Some(Message::Hello(h)))) => h,
        Ok(Ok(Some(other))) => {
            return protocol_error(&mut writer, format!("expected Hello, got {}", other.kind_name())).await
        }
        Ok(Ok(None)) => return ConnectionEnd::Lost("closed before its Hello".into()),
        Ok(Err(e)) => return wire_failure(&mut writer, e).await,
    };

    if let Err(reason) = check_hello(&hello, opts) {
        return reject(&mut writer, reason).await;
    }

    // Claim the ids, all or none. No await while a lock is held.
    let mut registration =
        Registration { shared: shared.clone(), conn_id, ids: Vec::new(), reason: String::new(), elements: 0 };
    let claim = (|| {
        for a in &hello.agents {
            let slot = shared.registry.declare(&a.id)?;
            let mut owner = slot.owner.lock().unwrap_or_else(|p| p.into_inner());
            if owner.is_some() {
                return Err(format!("agent id `{}` is already connected", a.id));
            }
            *owner = Some(conn_id);
            registration.ids.push(a.id.clone());
        }
        Ok(())
    })();
    // Checked per agent in `check_hello`, so the sum cannot overflow.
    let declared: u64 = hello.agents.iter().filter_map(|a| a.metadata.check_elements(u64::MAX).ok()).sum();
    let claim = claim.and_then(|()| shared.claim_elements(declared));
    if claim.is_ok() {
        registration.elements = declared;
    }
    if let Err(reason) = claim {
        registration.reason = "handshake rejected".into();
        drop(registration);
        return reject(&mut writer, reason).await;
    }

    // Let each daemon configure its controller before answering.
    let (cmd_tx, mut cmd_rx) = tokio::sync::mpsc::unbounded_channel::<ConnCmd>();
    let mut answers = Vec::new();
    for (index, a) in hello.agents.iter().enumerate() {
        let (done, answer) = tokio::sync::oneshot::channel();
        let link = ConnLink { conn_id, index, tx: cmd_tx.clone(), reward_per_report: true };
        let msg = DaemonMsg::Configure {
            link,
            max_steps: effective_max_steps(&opts.agent_config, a.max_steps),
            metadata: a.metadata.clone(),
            done,
        };
        if let Some(slot) = shared.registry.get(&a.id) {
            let _ = slot.tx.send(msg);
        }
        answers.push(answer);
    }
    drop(cmd_tx);
    for answer in answers {
        let refused = match answer.await {
            Ok(Ok(())) => None,
            Ok(Err(reason)) => Some(reason),
            Err(_) => Some("the agent's daemon is gone".to_owned()),
        };
        if let Some(reason) = refused {
            registration.reason = format!("configuration refused: {reason}");
            drop(registration);
            return reject(&mut writer, reason).await;
        }
    }

    let mode = opts.mode.unwrap_or(hello.mode);
    let welcome = Welcome {
        version: PROTOCOL_VERSION,
        mode,
        agents: hello
            .agents
            .iter()
            .map(|a| AgentConfig { id: a.id.clone(), fields: opts.agent_config.clone() })
            .collect(),
    };
    if let Err(e) = writer.write_message(&Message::Welcome(welcome)).await {
        registration.reason = e.to_string();
        return lost(e);
    }
    reader.set_limits(opts.limits);
    drop(pending);

    let ids: Vec<String> = hello.agents.iter().map(|a| a.id.clone()).collect();
    let index: HashMap<String, usize> = ids.iter().cloned().enumerate().map(|(i, id)| (id, i)).collect();
    let slots: Vec<_> = ids.iter().filter_map(|id| shared.registry.get(id)).collect();
    let daemons: Vec<Sender<DaemonMsg>> = slots.iter().map(|s| s.tx.clone()).collect();
    let clocks: Vec<Arc<StepClock>> = slots.iter().map(|s| s.clock.clone()).collect();
    let mut session = Session::new(mode, opts.idle_hold, ids, clocks);
    let end = session.run(&mut reader, &mut writer, &mut cmd_rx, &index, &daemons, &mut shutdown).await;
    registration.reason = end.to_string();
    end
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_text_from_the_network_cannot_forge_lines_or_colours() {
        let forged = "0\nai4u: all good\u{1b}[2J";
        assert_eq!(super::escape_log(forged), "0\\u{a}ai4u: all good\\u{1b}[2J");
        assert_eq!(super::escape_log("plain id `w3-0` é"), "plain id `w3-0` é");
    }
}
