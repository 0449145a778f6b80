//! Serves scenes made with the original AI4U packages over their UDP text protocol
//! (`ai4u_core::legacy`; facts in `docs/LEGACY.md`), feeding the same daemon threads and
//! controllers as native connections.
//!
//! Each AI4U agent behaves as a one-agent connection in realtime mode: every datagram is
//! answered with the agent's next command or with AI4U's "nothing new"
//! (`__waitnewaction__` while running, `__noop__` while waiting). UDP has no close, so an
//! agent silent for longer than the step timeout is treated as disconnected.
//!
//! A "nothing new" answer is held (per agent, up to `hold::HOLD`) and replaced by the
//! daemon's command the moment it arrives: see `legacy/hold.rs` for why an engine sharing a
//! core needs it.

mod hold;

use crate::daemon::{ConnCmd, ConnLink, DaemonMsg, Ticket};
use crate::server::Shared;
use ai4u_core::legacy::{self, command, value_args};
use ai4u_core::metadata::ModelMetadata;
use ai4u_core::value::{Field, Value};
use ai4u_core::wire::{AgentState, AgentStatus, Command};
use hold::{Asked, Holds};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

/// One AI4U agent served over UDP.
struct Agent {
    conn_id: u64,
    peer: SocketAddr,
    rx: UnboundedReceiver<ConnCmd>,
    pending: VecDeque<(Option<Ticket>, Command)>,
    /// Ticket of the last reset or action delivered (see `daemon.rs`).
    delivered: Option<Ticket>,
    /// A restart was sent: the next step message is the episode's first state.
    restarting: bool,
    paused: bool,
    /// Declared shapes of float-array inputs, to give flat AI4U arrays their shape back.
    shapes: HashMap<String, Vec<u32>>,
    last_seen: Instant,
}

/// Fields AI4U sends with every state that are not sensor readings.
fn is_builtin(name: &str) -> bool {
    matches!(name, "id" | "done" | "reward" | "steps" | "truncated" | "__target__") || name.starts_with("__ctrl_")
}

fn get<'a>(fields: &'a [Field], name: &str) -> Option<&'a Value> {
    fields.iter().find(|f| f.name == name).map(|f| &f.value)
}

fn text(fields: &[Field], name: &str) -> Option<String> {
    match get(fields, name)? {
        Value::String(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

pub(crate) async fn serve(socket: UdpSocket, shared: Arc<Shared>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut agents: HashMap<String, Agent> = HashMap::new();
    let mut buf = vec![0u8; legacy::MAX_REQUEST + 1];
    let mut liveness = tokio::time::interval(Duration::from_millis(500));
    let mut holds = Holds::default();
    loop {
        let due = holds.next_deadline();
        tokio::select! {
            r = socket.recv_from(&mut buf) => {
                let Ok((n, peer)) = r else { continue };
                if let Some(reply) = on_datagram(&buf[..n], peer, &shared, &mut agents, &mut holds).await {
                    let _ = socket.send_to(reply.as_bytes(), peer).await;
                }
                for (peer, reply) in holds.take_displaced() {
                    let _ = socket.send_to(reply.as_bytes(), peer).await;
                }
            }
            (id, c) = holds.command(&mut agents), if !holds.is_empty() => {
                if let Some((peer, reply)) = holds.on_command(&id, c, &mut agents) {
                    let _ = socket.send_to(reply.as_bytes(), peer).await;
                }
            }
            _ = sleep_until(due), if due.is_some() => {
                for (peer, reply) in holds.expired(Instant::now()) {
                    let _ = socket.send_to(reply.as_bytes(), peer).await;
                }
            }
            _ = liveness.tick() => {
                let limit = shared.opts.step_timeout;
                let silent: Vec<String> =
                    agents.iter().filter(|(_, a)| a.last_seen.elapsed() > limit).map(|(id, _)| id.clone()).collect();
                for id in silent {
                    if let Some(a) = agents.remove(&id) {
                        let reason = format!("the AI4U engine went silent for more than {:.1} s", limit.as_secs_f64());
                        release(&shared, &id, a.conn_id, reason);
                    }
                }
            }
            _ = shutdown.changed() => {
                for (peer, reply) in holds.drain() {
                    let _ = socket.send_to(reply.as_bytes(), peer).await;
                }
                return;
            }
        }
    }
}

async fn sleep_until(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Frees an agent id and tells its daemon the engine is gone.
fn release(shared: &Shared, id: &str, conn_id: u64, reason: String) {
    if let Some((tx, owner)) = shared.agents.get(id) {
        let mut owner = owner.lock().unwrap_or_else(|p| p.into_inner());
        if *owner == Some(conn_id) {
            *owner = None;
        }
        let _ = tx.send(DaemonMsg::Disconnected { conn_id, reason });
    }
}

async fn on_datagram(
    bytes: &[u8],
    peer: SocketAddr,
    shared: &Arc<Shared>,
    agents: &mut HashMap<String, Agent>,
    holds: &mut Holds,
) -> Option<String> {
    let fields = match legacy::decode_request(bytes) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("ai4u: legacy datagram from {peer} ignored: {e}");
            return None;
        }
    };
    let Some(id) = text(&fields, "id") else {
        eprintln!("ai4u: legacy datagram from {peer} ignored: it has no `id` field");
        return None;
    };
    holds.forget(&id, peer);
    let control = text(&fields, "__target__").is_some_and(|t| t == "envcontrol");
    if control && get(&fields, "config").is_some() {
        return Some(configure(&id, &fields, peer, shared, agents).await);
    }
    let Some(agent) = agents.get_mut(&id) else {
        // Not configured (yet, or any more): AI4U engines configure first; say nothing new.
        return Some(command("__noop__", &["0".into()]));
    };
    agent.last_seen = Instant::now();
    agent.peer = peer;
    while let Ok(c) = agent.rx.try_recv() {
        if let Some(cmd) = c.command {
            agent.pending.push_back((c.ticket, cmd));
        }
    }
    let daemon = &shared.agents[&id].0;
    if control {
        // The agent waits (stopped or paused) for restart, resume or stop.
        let status = if agent.paused { AgentStatus::Paused } else { AgentStatus::Idle };
        let state =
            AgentState { id: id.clone(), status, reward: 0.0, done: false, truncated: false, steps: 0, fields: vec![] };
        let _ = daemon.send(DaemonMsg::State(state, agent.delivered));
        return holds.offer(&id, peer, Asked::Waiting, reply_waiting(agent));
    }
    let number = |name: &str| get(&fields, name).and_then(Value::as_f32);
    let flag = |name: &str| matches!(get(&fields, name), Some(Value::Bool(true)));
    let done = flag("done");
    let status = if std::mem::take(&mut agent.restarting) { AgentStatus::NewEpisode } else { AgentStatus::Step };
    let sensors = fields
        .iter()
        .filter(|f| !is_builtin(&f.name))
        .map(|f| match (&f.value, agent.shapes.get(&f.name)) {
            (Value::FloatArray { data, .. }, Some(shape)) if ai4u_core::value::shape_len(shape) == Some(data.len()) => {
                Field { name: f.name.clone(), value: Value::FloatArray { shape: shape.clone(), data: data.clone() } }
            }
            _ => f.clone(),
        })
        .collect();
    let state = AgentState {
        id: id.clone(),
        status,
        reward: number("reward").unwrap_or(0.0),
        done,
        truncated: flag("truncated") && !done,
        steps: number("steps").map(|s| s as u32).unwrap_or(0),
        fields: sensors,
    };
    let _ = daemon.send(DaemonMsg::State(state, agent.delivered));
    holds.offer(&id, peer, Asked::Running { done }, reply_running(agent, done))
}

async fn configure(
    id: &str,
    fields: &[Field],
    peer: SocketAddr,
    shared: &Arc<Shared>,
    agents: &mut HashMap<String, Agent>,
) -> String {
    let stop = command("__stop__", &[]);
    let Some((daemon, owner)) = shared.agents.get(id) else {
        eprintln!(
            "ai4u: legacy agent `{id}` from {peer} refused: unknown agent id (this server serves {})",
            shared.order.join(", ")
        );
        return stop;
    };
    // An engine that restarts configures again: the old session of this id ends first.
    if let Some(old) = agents.remove(id) {
        release(shared, id, old.conn_id, "the AI4U engine configured the agent again".into());
    }
    let conn_id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    {
        let mut owner = owner.lock().unwrap_or_else(|p| p.into_inner());
        if owner.is_some() {
            eprintln!("ai4u: legacy agent `{id}` from {peer} refused: agent id `{id}` is already connected");
            return stop;
        }
        *owner = Some(conn_id);
    }
    let metadata = match text(fields, "modelmetadata") {
        Some(json) if !json.trim().is_empty() => ModelMetadata::from_ai4u_json(&json).unwrap_or_else(|e| {
            eprintln!("ai4u: legacy agent `{id}`: {e}; continuing without metadata");
            ModelMetadata::default()
        }),
        _ => ModelMetadata::default(),
    };
    // The legacy protocol has no token: the size check is the only guard before spaces are built.
    if let Err(e) = metadata.check_elements(shared.opts.limits.max_agent_elements) {
        eprintln!("ai4u: legacy agent `{id}` from {peer} refused: {e}");
        release(shared, id, conn_id, format!("configuration refused: {e}"));
        return stop;
    }
    let declared = get(fields, "max_steps").and_then(Value::as_f32).map(|m| m.max(0.0) as u32).unwrap_or(0);
    let max_steps = crate::server::effective_max_steps(&shared.opts.agent_config, declared);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (done, answer) = tokio::sync::oneshot::channel();
    let shapes = metadata.inputs.iter().map(|i| (i.name.clone(), i.shape.clone())).collect();
    let link = ConnLink { conn_id, index: 0, tx, reward_per_report: false };
    let _ = daemon.send(DaemonMsg::Configure { link, max_steps, metadata, done });
    match tokio::time::timeout(shared.opts.handshake_timeout, answer).await {
        Ok(Ok(Ok(()))) => {}
        outcome => {
            let reason = match outcome {
                Ok(Ok(Err(reason))) => reason,
                _ => "the agent's daemon did not answer".to_owned(),
            };
            eprintln!("ai4u: legacy agent `{id}` refused: {reason}");
            release(shared, id, conn_id, format!("configuration refused: {reason}"));
            return stop;
        }
    }
    agents.insert(
        id.to_owned(),
        Agent {
            conn_id,
            peer,
            rx,
            pending: VecDeque::new(),
            delivered: None,
            restarting: false,
            paused: false,
            shapes,
            last_seen: Instant::now(),
        },
    );
    format!("{}@{}", command("max_steps", &[max_steps.to_string()]), command("id", &[id.to_owned()]))
}

/// The restart command with the reset fields as AI4U's `@name;n;args` extras.
fn restart(fields: &[Field]) -> String {
    let mut s = command("__restart__", &[]);
    for f in fields {
        s.push('@');
        s.push_str(&command(&f.name, &value_args(&f.value)));
    }
    s
}

fn deliver(agent: &mut Agent) -> Option<Command> {
    let (ticket, cmd) = agent.pending.pop_front()?;
    if ticket.is_some() {
        agent.delivered = ticket;
    }
    Some(cmd)
}

/// The answer to a wait message: a restart, resume or stop if one is pending.
fn reply_waiting(agent: &mut Agent) -> String {
    loop {
        match deliver(agent) {
            Some(Command::Reset { fields }) => {
                agent.restarting = true;
                agent.paused = false;
                return restart(&fields);
            }
            Some(Command::Resume) => {
                agent.paused = false;
                return command("__resume__", &[]);
            }
            Some(Command::Stop) => return command("__stop__", &[]),
            // An action or a pause means nothing to a waiting agent.
            Some(_) => continue,
            None => return command("__noop__", &["0".into()]),
        }
    }
}

/// The answer to a state: in AI4U's priority order.
fn reply_running(agent: &mut Agent, done: bool) -> String {
    if let Some(at) = agent.pending.iter().position(|(_, c)| matches!(c, Command::Reset { .. })) {
        // A reset outranks everything queued before it.
        agent.pending.drain(..at);
        return reply_waiting(agent);
    }
    if done {
        // AI4U stops an agent whose episode ended; it then waits for a restart.
        agent.pending.retain(|(_, c)| !matches!(c, Command::Act { .. } | Command::Wait));
        return command("__stop__", &[]);
    }
    match deliver(agent) {
        Some(Command::Act { name, args, fields }) => {
            let mut s = command(&name, &args.iter().flat_map(value_args).collect::<Vec<_>>());
            for f in fields {
                s.push('@');
                s.push_str(&command(&f.name, &value_args(&f.value)));
            }
            s
        }
        Some(Command::Pause) => {
            agent.paused = true;
            command("__pause__", &[])
        }
        Some(Command::Stop) => command("__stop__", &[]),
        Some(Command::Resume) | Some(Command::Wait) | Some(Command::Reset { .. }) | None => {
            command("__waitnewaction__", &[])
        }
    }
}
