//! The messages of protocol version 2. `docs/PROTOCOL.md` gives their byte layout; the
//! declaration order of every enum's variants is its wire tag and must never change.

use crate::metadata::ModelMetadata;
use crate::value::{Field, Value};
use serde::{Deserialize, Serialize};

/// `b"AI4U"` read as a little-endian u32: the first field of every [`Hello`].
pub const MAGIC: u32 = u32::from_le_bytes(*b"AI4U");
/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u16 = 2;
/// Where engines connect unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// How the engine and the controller take turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Mode {
    /// The engine blocks on every tick until the reply; the controller answers once it has a
    /// decision for every agent that needs one. Deterministic; the default.
    #[default]
    Lockstep,
    /// The controller answers every tick at once, with `Wait` for agents it has no new
    /// decision for, and the engine keeps simulating (live control, as AI4U did).
    Realtime,
}

/// What an agent is doing when it appears in a [`Tick`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AgentStatus {
    /// No episode is running (just configured, or the last episode ended and was reported).
    /// Waits for `Reset` (or `Stop`).
    Idle,
    /// The first state of an episode, sent right after a `Reset`: steps = 0, reward = 0.
    NewEpisode,
    /// The state after an action ran for its frames; `reward` is the sum over those frames.
    /// With `done` or `truncated` set it is the last state of the episode, and the agent
    /// is `Idle` from the next tick on.
    Step,
    /// Paused by the controller; waits for `Resume`, `Reset` or `Stop`.
    Paused,
}

/// One agent served by an engine connection, as declared in [`Hello`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// The agent's id, unique per controller; every tick and reply names the agent by it.
    pub id: String,
    /// Steps per episode after which the engine truncates it; 0 = no limit.
    pub max_steps: u32,
    /// The agent's sensors (inputs) and actuators (outputs).
    pub metadata: ModelMetadata,
}

/// Engine -> controller, first message on a connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    /// Always [`MAGIC`]; anything else is not an ai4u engine.
    pub magic: u32,
    /// Protocol version the engine speaks; a controller rejects any but its own ([`PROTOCOL_VERSION`]).
    pub version: u16,
    /// Free text: `"unity"`, `"godot"`, `"ai4u-sim"`, ...
    pub engine: String,
    /// Free text: the engine's own version, for logs.
    pub engine_version: String,
    /// Must match the controller's token when it has one.
    pub token: Option<String>,
    /// The mode the engine asks for; [`Welcome::mode`] says which one is in force.
    pub mode: Mode,
    /// The agents this connection serves; ids must be unique and known to the controller.
    pub agents: Vec<AgentInfo>,
}

impl Hello {
    /// A hello with this crate's magic and version.
    pub fn new(
        engine: impl Into<String>,
        engine_version: impl Into<String>,
        mode: Mode,
        agents: Vec<AgentInfo>,
    ) -> Hello {
        Hello {
            magic: MAGIC,
            version: PROTOCOL_VERSION,
            engine: engine.into(),
            engine_version: engine_version.into(),
            token: None,
            mode,
            agents,
        }
    }
}

/// Per-agent configuration the controller returns in [`Welcome`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentConfig {
    /// The id of the [`AgentInfo`] this config is for.
    pub id: String,
    /// Free-form settings for the engine's agent (for example `max_steps` or `frame_skip`
    /// overrides); an engine ignores names it does not know.
    pub fields: Vec<Field>,
}

/// Controller -> engine: the handshake is accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    /// Protocol version of the controller, [`PROTOCOL_VERSION`].
    pub version: u16,
    /// The mode in force (the engine's wish unless the server insists on its own).
    pub mode: Mode,
    /// One entry per agent of the hello, in the same order.
    pub agents: Vec<AgentConfig>,
}

/// One agent's state in a [`Tick`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentState {
    /// An id declared in the [`Hello`]; at most once per tick.
    pub id: String,
    /// Where the agent is in its lifecycle; decides which fields are meaningful.
    pub status: AgentStatus,
    /// Reward summed since the last decision.
    #[serde(with = "crate::wire::serde_float::scalar")]
    pub reward: f32,
    /// The episode ended by the task's own rule (Gymnasium's `terminated`).
    pub done: bool,
    /// The episode was cut off (max steps, or the engine's own limit).
    pub truncated: bool,
    /// Decisions taken in this episode.
    pub steps: u32,
    /// The sensors' readings.
    pub fields: Vec<Field>,
}

impl AgentState {
    /// True when the controller must decide an action for this agent: a running episode
    /// that has not ended.
    pub fn needs_action(&self) -> bool {
        matches!(self.status, AgentStatus::NewEpisode | AgentStatus::Step) && !self.done && !self.truncated
    }
}

/// Engine -> controller: the agents that need a decision this tick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tick {
    /// Starts at 0 after the handshake and grows by one per tick.
    pub seq: u64,
    /// The agents reported this tick: every idle or paused agent and every running agent whose decision is due.
    pub agents: Vec<AgentState>,
}

/// What the controller tells one agent to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Apply the actuator `name` with `args`; `fields` carry extra named values.
    Act {
        /// The actuator, an [`OutputSpec`](crate::metadata::OutputSpec) name (for example `move`).
        name: String,
        /// The action's arguments; continuous actuators take one float array.
        args: Vec<Value>,
        /// Extra named values for the scene; usually empty.
        fields: Vec<Field>,
    },
    /// End any running episode and start a new one; `fields` (for example `seed`) go to the scene.
    Reset {
        /// Reset arguments for the scene; a `seed` int makes the episode reproducible.
        fields: Vec<Field>,
    },
    /// Nothing new: keep going (realtime) or keep waiting (idle, paused).
    Wait,
    /// Pause a running agent: no actions and no steps until `Resume`; ignored otherwise.
    Pause,
    /// Resume a paused agent; ignored otherwise.
    Resume,
    /// The controller is done with this agent: it leaves the ticks for good. An engine whose
    /// agents are all stopped says `Bye` and may quit.
    Stop,
}

impl Command {
    /// An `Act` with one float-array argument, the usual form for continuous actuators.
    pub fn act(name: impl Into<String>, args: impl Into<Vec<f32>>) -> Command {
        Command::Act { name: name.into(), args: vec![Value::floats(args)], fields: Vec::new() }
    }

    /// One decision for several actuators: an `Act` with no name whose fields name the
    /// actuators, each with its one argument (PROTOCOL §4, "several actuators"). Refused
    /// (with the reason) when there are no parts, a name is empty or given twice.
    pub fn act_several(parts: impl IntoIterator<Item = (String, Value)>) -> Result<Command, String> {
        let fields: Vec<Field> = parts.into_iter().map(|(n, v)| Field::new(n, v)).collect();
        if fields.is_empty() {
            return Err("an action for several actuators needs at least one".into());
        }
        for (i, f) in fields.iter().enumerate() {
            if f.name.is_empty() {
                return Err("an actuator name is empty".into());
            }
            if fields[..i].iter().any(|g| g.name == f.name) {
                return Err(format!("actuator `{}` is named twice", f.name));
            }
        }
        Ok(Command::Act { name: String::new(), args: Vec::new(), fields })
    }
}

/// One agent's command in a [`Reply`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentCommand {
    /// The agent, by its id in the tick; an id not in the tick is ignored.
    pub id: String,
    /// What the agent is to do.
    pub command: Command,
}

/// Controller -> engine: the answer to the tick with the same `seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The `seq` of the tick answered; the engine fails on any other.
    pub seq: u64,
    /// One per agent of the tick, in the tick's order. An agent left out gets `Wait`.
    pub commands: Vec<AgentCommand>,
}

/// Everything that crosses a connection, in either direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Message {
    /// Tag 0, engine -> controller: the handshake, first message on a connection.
    Hello(Hello),
    /// Tag 1, controller -> engine: the handshake is accepted.
    Welcome(Welcome),
    /// Tag 2, controller -> engine: the Hello is refused; the controller closes next.
    Reject {
        /// Why, for example `wrong or missing auth token`.
        reason: String,
    },
    /// Tag 3, engine -> controller: agent states; the engine waits for the reply.
    Tick(Tick),
    /// Tag 4, controller -> engine: the commands answering a tick.
    Reply(Reply),
    /// Tag 5, engine -> controller: the engine is leaving; no reply.
    Bye {
        /// Why, free text (for example `all agents stopped`).
        reason: String,
    },
    /// Tag 6, either way: a protocol error; the sender closes the connection after it.
    Error {
        /// What was wrong, for the other side's logs.
        reason: String,
    },
}

impl Message {
    /// The name used in error messages and logs.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Message::Hello(_) => "Hello",
            Message::Welcome(_) => "Welcome",
            Message::Reject { .. } => "Reject",
            Message::Tick(_) => "Tick",
            Message::Reply(_) => "Reply",
            Message::Bye { .. } => "Bye",
            Message::Error { .. } => "Error",
        }
    }
}
