//! Serves scenes made with the original AI4U packages over their UDP text protocol
//! (`ai4u_core::legacy`; facts in `docs/LEGACY.md`), feeding the same daemon threads and
//! controllers as native connections.
//!
//! Each AI4U agent behaves as a one-agent connection in realtime mode: every datagram is
//! answered with the agent's next command or with AI4U's "nothing new"
//! (`__waitnewaction__` while running, `__noop__` while waiting). UDP has no close, so an
//! agent silent for longer than the step timeout is treated as disconnected, and so is one
//! whose scene configures it again (Unity's Stop -> Play) or whose window closes (Godot 4).
//!
//! The three editions of AI4U's engine side expect different replies (`legacy::Edition`).
//! An agent's edition is told from its first message after the configuration, so the
//! daemon learns of the agent only then, with input shapes read the way that edition
//! declares them. The editions ignore the episode length the configuration reply gives,
//! so a server-side `max_steps` is enforced here: the episode is truncated and the agent
//! waits for the reset that restarts it.
//!
//! A "nothing new" answer is held (per agent, up to `hold::HOLD`) and replaced by the
//! daemon's command the moment it arrives: see `legacy/hold.rs` for why an engine sharing a
//! core needs it.

mod hold;

use crate::daemon::{ConnCmd, ConnLink, DaemonMsg, Ticket};
use crate::server::registry::Slot;
use crate::server::{escape_log, Shared};
use ai4u_core::legacy::{self, command, value_args, Edition};
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
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

/// One AI4U agent served over UDP.
struct Agent {
    /// The id's place in the server (its daemon, its step clock), looked up once.
    slot: Arc<Slot>,
    conn_id: u64,
    peer: SocketAddr,
    rx: UnboundedReceiver<ConnCmd>,
    pending: VecDeque<(Option<Ticket>, Command)>,
    /// Ticket of the last reset or action delivered (see `daemon.rs`).
    delivered: Option<Ticket>,
    /// A restart was sent: the next step message is the episode's first state.
    restarting: bool,
    paused: bool,
    /// The edition answered: forced by the options, or told from the first message after
    /// the configuration.
    edition: Option<Edition>,
    /// What the configuration declared, until the edition is known and the daemon took it.
    setup: Option<Setup>,
    /// Per float-array input: the shape declared and the shape observed (they differ for
    /// editions that put the stack count first), to give flat AI4U arrays their shape back.
    shapes: HashMap<String, (Vec<u32>, Vec<u32>)>,
    /// The episode length enforced here (0: none, the engine's own applies).
    max_steps: u32,
    /// Actions delivered in the running episode.
    acts: u32,
    /// The episode ended (done, or truncated here): the engine is only told to wait or stop
    /// until the reset that restarts it, and its states are not forwarded.
    over: bool,
    /// The controller's stop was delivered: it is done with this agent (see `dismiss`).
    stopped: bool,
    /// When the last action was handed out: the engine's part of a step runs from there to
    /// its next state (see `timing.rs`).
    acted_at: Option<Instant>,
    last_seen: Instant,
}

struct Setup {
    metadata: ModelMetadata,
    max_steps: u32,
    tx: UnboundedSender<ConnCmd>,
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
                    let reply = dismiss(&id, reply, &shared, &mut agents);
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
    if let Some(slot) = shared.registry.get(id) {
        let mut owner = slot.owner.lock().unwrap_or_else(|p| p.into_inner());
        if *owner == Some(conn_id) {
            *owner = None;
        }
        let _ = slot.tx.send(DaemonMsg::Disconnected { conn_id, reason });
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
            eprintln!("ai4u: legacy datagram from {peer} ignored: {}", escape_log(&e.to_string()));
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
    if control && get(&fields, "wait_command").is_none() && get(&fields, "__stop__").is_some() {
        // The Godot 4 edition's window closed. AI4U's server answers `halt`, which the
        // engine takes as "halted by client"; for us the engine is gone, like a native
        // disconnect, and a new run of the game configures the agent again.
        if let Some(agent) = agents.remove(&id) {
            eprintln!("ai4u: legacy agent `{}` from {peer}: the game window was closed", escape_log(&id));
            release(shared, &id, agent.conn_id, "the AI4U engine's window was closed".into());
        }
        return Some("halt".to_owned());
    }
    let Some(agent) = agents.get_mut(&id) else {
        // Not configured (yet, or any more): AI4U engines configure first; say nothing new.
        return Some(command("__noop__", &["0".into()]));
    };
    agent.last_seen = Instant::now();
    agent.peer = peer;
    if agent.setup.is_some() {
        let edition = agent.edition.or_else(|| legacy::detect_edition(&fields)).unwrap_or(Edition::Unity);
        agent.edition = Some(edition);
        if let Err(reason) = start(&id, agent, shared).await {
            let conn_id = agent.conn_id;
            agents.remove(&id);
            eprintln!("ai4u: legacy agent `{}` refused: {}", escape_log(&id), escape_log(&reason));
            release(shared, &id, conn_id, format!("configuration refused: {reason}"));
            return Some(stop_word(Some(edition)));
        }
    }
    while let Ok(c) = agent.rx.try_recv() {
        if let Some(cmd) = c.command {
            agent.pending.push_back((c.ticket, cmd));
        }
    }
    let slot = &*agent.slot;
    let daemon = &slot.tx;
    if control {
        // The agent waits (stopped or paused) for restart, resume or stop.
        let status = if agent.paused { AgentStatus::Paused } else { AgentStatus::Idle };
        let state =
            AgentState { id: id.clone(), status, reward: 0.0, done: false, truncated: false, steps: 0, fields: vec![] };
        let _ = daemon.send(DaemonMsg::State(state, agent.delivered));
        let reply = reply_waiting(agent);
        return holds.offer(&id, peer, Asked::Waiting, reply).map(|r| dismiss(&id, r, shared, agents));
    }
    if agent.over && !agent.restarting {
        // The episode is over; the engine goes on reporting (Godot 4 polls until the
        // reset) or has not read its stop yet. Its states belong to no episode.
        let reply = reply_running(agent, true);
        return holds.offer(&id, peer, Asked::Running { done: true }, reply).map(|r| dismiss(&id, r, shared, agents));
    }
    let number = |name: &str| get(&fields, name).and_then(Value::as_f32);
    let flag = |name: &str| matches!(get(&fields, name), Some(Value::Bool(true)));
    let done = flag("done");
    let status = if std::mem::take(&mut agent.restarting) { AgentStatus::NewEpisode } else { AgentStatus::Step };
    // The editions ignore the episode length we send: a server-side one is enforced here.
    let cut = status == AgentStatus::Step && agent.max_steps > 0 && agent.acts >= agent.max_steps;
    let truncated = (flag("truncated") || cut) && !done;
    let sensors = fields
        .iter()
        .filter(|f| !is_builtin(&f.name))
        .map(|f| match (&f.value, agent.shapes.get(&f.name)) {
            (Value::FloatArray { data, .. }, Some((declared, observed))) => {
                let stacked = agent.edition.is_some_and(Edition::stacks_inputs);
                let data = if stacked { legacy::unstack_values(declared, data) } else { Some(data.clone()) };
                match data {
                    Some(data) if ai4u_core::value::shape_len(observed) == Some(data.len()) => {
                        Field { name: f.name.clone(), value: Value::FloatArray { shape: observed.clone(), data } }
                    }
                    _ => f.clone(),
                }
            }
            _ => f.clone(),
        })
        .collect();
    let state = AgentState {
        id: id.clone(),
        status,
        reward: number("reward").unwrap_or(0.0),
        done,
        truncated,
        steps: number("steps").map(|s| s as u32).unwrap_or(0),
        fields: sensors,
    };
    if let (AgentStatus::Step, Some(at)) = (state.status, agent.acted_at.take()) {
        slot.clock.engine(at.elapsed());
    }
    let _ = daemon.send(DaemonMsg::State(state, agent.delivered));
    // An episode's first state cannot end it: a scene that starts with `done` set (Godot 4
    // told `__restart__` by a forced edition) ends at its next state, as a one-step episode.
    let ended = status == AgentStatus::Step && (done || truncated);
    agent.over = ended;
    let reply = reply_running(agent, ended);
    holds.offer(&id, peer, Asked::Running { done: ended }, reply).map(|r| dismiss(&id, r, shared, agents))
}

/// Once the controller's stop reached the engine, the controller is done with the agent:
/// it is let go as a disconnect (AI4U engines have no goodbye), so whoever waits for the
/// engine to leave is not kept waiting. A new configuration serves the id again.
fn dismiss(id: &str, reply: String, shared: &Shared, agents: &mut HashMap<String, Agent>) -> String {
    if let Some(agent) = agents.get(id).filter(|a| a.stopped) {
        let conn_id = agent.conn_id;
        agents.remove(id);
        release(shared, id, conn_id, "the controller stopped the agent".into());
    }
    reply
}

async fn configure(
    id: &str,
    fields: &[Field],
    peer: SocketAddr,
    shared: &Arc<Shared>,
    agents: &mut HashMap<String, Agent>,
) -> String {
    let stop = command("__stop__", &[]);
    let slot = match shared.registry.declare(id) {
        Ok(slot) => slot,
        Err(reason) => {
            eprintln!("ai4u: legacy agent `{}` from {peer} refused: {}", escape_log(id), escape_log(&reason));
            return stop;
        }
    };
    // A scene stopped and played again (Unity's Stop -> Play) configures its agents again:
    // the old run of this id ends as a disconnect (its episode is interrupted) first.
    if let Some(old) = agents.remove(id) {
        eprintln!("ai4u: legacy agent `{}` from {peer} configured again: its scene restarted", escape_log(id));
        release(shared, id, old.conn_id, "the AI4U engine configured the agent again (its scene restarted)".into());
    }
    let conn_id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    {
        let mut owner = slot.owner.lock().unwrap_or_else(|p| p.into_inner());
        if owner.is_some() {
            eprintln!(
                "ai4u: legacy agent `{}` from {peer} refused: agent id `{}` is already connected",
                escape_log(id),
                escape_log(id)
            );
            return stop;
        }
        *owner = Some(conn_id);
    }
    let metadata = match text(fields, "modelmetadata") {
        Some(json) if !json.trim().is_empty() => ModelMetadata::from_ai4u_json(&json).unwrap_or_else(|e| {
            eprintln!(
                "ai4u: legacy agent `{}`: {}; continuing without metadata",
                escape_log(id),
                escape_log(&e.to_string())
            );
            ModelMetadata::default()
        }),
        _ => ModelMetadata::default(),
    };
    // The legacy protocol has no token: the size check is the only guard before spaces are built.
    if let Err(e) = metadata.check_elements(shared.opts.limits.max_agent_elements) {
        eprintln!("ai4u: legacy agent `{}` from {peer} refused: {}", escape_log(id), escape_log(&e.to_string()));
        release(shared, id, conn_id, format!("configuration refused: {e}"));
        return stop;
    }
    let declared = get(fields, "max_steps").and_then(Value::as_f32).map(|m| m.max(0.0) as u32).unwrap_or(0);
    let max_steps = crate::server::effective_max_steps(&shared.opts.agent_config, declared);
    // Only a length the server imposes needs enforcing: the engine keeps its own.
    let imposed = shared.opts.agent_config.iter().any(|f| f.name == "max_steps");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut agent = Agent {
        slot: slot.clone(),
        conn_id,
        peer,
        rx,
        pending: VecDeque::new(),
        delivered: None,
        restarting: false,
        paused: false,
        edition: shared.opts.legacy_edition,
        setup: Some(Setup { metadata, max_steps, tx }),
        shapes: HashMap::new(),
        max_steps: if imposed { max_steps } else { 0 },
        acts: 0,
        over: false,
        stopped: false,
        acted_at: None,
        last_seen: Instant::now(),
    };
    if agent.edition.is_some() {
        // A forced edition needs no message to tell it: the agent is taken (or refused) now.
        if let Err(reason) = start(id, &mut agent, shared).await {
            eprintln!("ai4u: legacy agent `{}` refused: {}", escape_log(id), escape_log(&reason));
            release(shared, id, conn_id, format!("configuration refused: {reason}"));
            return stop;
        }
    }
    agents.insert(id.to_owned(), agent);
    format!("{}@{}", command("max_steps", &[max_steps.to_string()]), command("id", &[id.to_owned()]))
}

/// Hands a configured agent to its daemon once its edition is known, with the input shapes
/// that edition means; the error is why the controller refused it.
async fn start(id: &str, agent: &mut Agent, shared: &Arc<Shared>) -> Result<(), String> {
    let Some(Setup { mut metadata, max_steps, tx }) = agent.setup.take() else { return Ok(()) };
    let edition = agent.edition.unwrap_or(Edition::Unity);
    agent.shapes = metadata
        .inputs
        .iter_mut()
        .map(|i| {
            let declared = i.shape.clone();
            if edition.stacks_inputs() {
                i.shape = legacy::unstacked_shape(&declared);
            }
            (i.name.clone(), (declared, i.shape.clone()))
        })
        .collect();
    eprintln!("ai4u: legacy agent `{}` from {}: AI4U {} edition", escape_log(id), agent.peer, edition_label(edition));
    let (done, answer) = tokio::sync::oneshot::channel();
    let link = ConnLink { conn_id: agent.conn_id, index: 0, tx, reward_per_report: false };
    let _ = agent.slot.tx.send(DaemonMsg::Configure { link, max_steps, metadata, done });
    match tokio::time::timeout(shared.opts.handshake_timeout, answer).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(reason))) => Err(reason),
        _ => Err("the agent's daemon did not answer".to_owned()),
    }
}

fn edition_label(e: Edition) -> &'static str {
    match e {
        Edition::Unity => "Unity (AI4UUE) or Godot 3 (AI4UGE)",
        Edition::Godot3 => "Godot 3 (AI4UGE)",
        Edition::Godot4 => "Godot 4",
    }
}

/// A control word as the agent's edition writes it: Godot 4 gives every command one
/// argument (`__stop__;1;0`), the others none (`__stop__;0;`).
fn word(edition: Option<Edition>, name: &str) -> String {
    if edition == Some(Edition::Godot4) {
        command(name, &["0".into()])
    } else {
        command(name, &[])
    }
}

fn stop_word(edition: Option<Edition>) -> String {
    word(edition, "__stop__")
}

/// The command that starts an episode, with the reset fields as AI4U's `@name;n;args`
/// extras: `__restart__;0;` for Unity and Godot 3; `__reset__;1;0` for Godot 4, where
/// `__restart__` only starts the agent, whose `done` is still set (a phantom episode).
fn restart(edition: Option<Edition>, fields: &[Field]) -> String {
    let mut s = match edition {
        Some(Edition::Godot4) => word(edition, "__reset__"),
        _ => command("__restart__", &[]),
    };
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
    if matches!(cmd, Command::Act { .. }) {
        agent.acted_at = Some(Instant::now());
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
                agent.over = false;
                agent.acts = 0;
                return restart(agent.edition, &fields);
            }
            Some(Command::Resume) => {
                agent.paused = false;
                return word(agent.edition, "__resume__");
            }
            Some(Command::Stop) => {
                agent.stopped = true;
                return stop_word(agent.edition);
            }
            // An action or a pause means nothing to a waiting agent.
            Some(_) => continue,
            None => return command("__noop__", &["0".into()]),
        }
    }
}

/// The answer to a state: in AI4U's priority order. `ended`: the episode is over (done, or
/// truncated here).
fn reply_running(agent: &mut Agent, ended: bool) -> String {
    if let Some(at) = agent.pending.iter().position(|(_, c)| matches!(c, Command::Reset { .. })) {
        // A reset outranks everything queued before it.
        agent.pending.drain(..at);
        return reply_waiting(agent);
    }
    if ended {
        agent.pending.retain(|(_, c)| !matches!(c, Command::Act { .. } | Command::Wait));
        let asked = agent.pending.iter().any(|(_, c)| matches!(c, Command::Stop));
        if asked {
            agent.pending.retain(|(_, c)| !matches!(c, Command::Stop));
            agent.stopped = true;
            return stop_word(agent.edition);
        }
        return match agent.edition {
            // Godot 4 keeps reporting and is told to wait until the reset comes.
            Some(Edition::Godot4) => word(agent.edition, "__waitnewaction__"),
            // Unity and Godot 3 stop an agent whose episode ended; it then waits for a restart.
            _ => stop_word(agent.edition),
        };
    }
    match deliver(agent) {
        Some(Command::Act { name, args, fields }) => {
            agent.acts += 1;
            let mut s = command(&name, &args.iter().flat_map(value_args).collect::<Vec<_>>());
            for f in fields {
                s.push('@');
                s.push_str(&command(&f.name, &value_args(&f.value)));
            }
            s
        }
        Some(Command::Pause) => {
            agent.paused = true;
            word(agent.edition, "__pause__")
        }
        Some(Command::Stop) => {
            agent.stopped = true;
            stop_word(agent.edition)
        }
        Some(Command::Resume) | Some(Command::Wait) | Some(Command::Reset { .. }) | None => {
            word(agent.edition, "__waitnewaction__")
        }
    }
}
