//! Session conformance: the Requestor replays every `tests/vectors/sessions/*.json` against a
//! scripted controller (a thread on a loopback socket) and must send exactly the expected ticks
//! at exactly the expected physics frames. The format is `tests/vectors/sessions/README.md`.
//!
//! The vectors are written from the scenarios of `common/session_scenarios.rs`:
//! `AI4U_BLESS=1 cargo test -p ai4u-core --test sessions` regenerates them (review the diff).

#[path = "common/session_scenarios.rs"]
mod scenarios;

use ai4u_core::engine::{DecisionDefaults, EngineOptions, Requestor, Scene};
use ai4u_core::metadata::ModelMetadata;
use ai4u_core::wire::{
    AgentCommand, AgentConfig, AgentInfo, AgentState, AgentStatus, Command, FrameReader, FrameWriter, Limits, Message,
    Mode, Reply, Tick, Welcome, PROTOCOL_VERSION,
};
use ai4u_core::{Field, Value};
use scenarios::{Cmd, End, Scenario};
use serde_json::{json, Map, Value as Json};
use std::cell::RefCell;
use std::net::TcpListener;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

// ------------------------------------------------------------------ the scene of every vector

#[derive(Debug, Clone)]
pub struct AgentSpec {
    pub id: String,
    pub max_steps: u32,
    pub reward: f32,
    pub done_at: i64,
}

/// One agent's part of the world. It persists across connections, like a real scene.
#[derive(Default)]
struct Body {
    episode: i64,
    ep_frame: i64,
    applied: i64,
    action_sum: f32,
    turn_sum: f32,
    done_at: i64,
    ever_reset: bool,
}

struct World {
    specs: Vec<AgentSpec>,
    bodies: Vec<Body>,
    /// Physics frames simulated on the current connection; the controller thread reads it
    /// when a tick arrives (the engine is blocked then, so it is stable).
    frame: Arc<AtomicU64>,
}

struct SimScene(Rc<RefCell<World>>);

impl Scene for SimScene {
    fn agents(&self) -> Vec<AgentInfo> {
        let w = self.0.borrow();
        w.specs
            .iter()
            .map(|s| AgentInfo { id: s.id.clone(), max_steps: s.max_steps, metadata: ModelMetadata::default() })
            .collect()
    }

    fn reset_agent(&mut self, agent: usize, fields: &[Field]) {
        let mut w = self.0.borrow_mut();
        let default_done = w.specs[agent].done_at;
        let b = &mut w.bodies[agent];
        b.episode += 1;
        b.ep_frame = 0;
        b.applied = 0;
        b.action_sum = 0.0;
        b.turn_sum = 0.0;
        b.ever_reset = true;
        b.done_at = fields
            .iter()
            .find(|f| f.name == "done_at")
            .and_then(|f| if let Value::Int(n) = f.value { Some(n) } else { None })
            .unwrap_or(default_done);
    }

    fn act(&mut self, agent: usize, name: &str, args: &[Value], _fields: &[Field]) {
        let mut w = self.0.borrow_mut();
        let b = &mut w.bodies[agent];
        let x = match args.first() {
            Some(Value::FloatArray { data, .. }) => data.first().copied().unwrap_or(0.0),
            _ => 0.0,
        };
        match name {
            "move" => {
                b.applied += 1;
                b.action_sum += x;
            }
            "turn" => b.turn_sum += x,
            _ => {}
        }
    }

    fn step_physics(&mut self) {
        let mut w = self.0.borrow_mut();
        w.frame.fetch_add(1, Ordering::SeqCst);
        for b in w.bodies.iter_mut().filter(|b| b.ever_reset) {
            b.ep_frame += 1;
        }
    }

    fn frame_reward(&mut self, agent: usize) -> f32 {
        self.0.borrow().specs[agent].reward
    }

    fn is_done(&self, agent: usize) -> bool {
        let w = self.0.borrow();
        let b = &w.bodies[agent];
        b.done_at > 0 && b.ep_frame >= b.done_at
    }

    fn observe(&self, agent: usize, out: &mut Vec<Field>) {
        let w = self.0.borrow();
        let b = &w.bodies[agent];
        out.push(Field::new("episode", Value::Int(b.episode)));
        out.push(Field::new("ep_frame", Value::Int(b.ep_frame)));
        out.push(Field::new("applied", Value::Int(b.applied)));
        out.push(Field::new("action_sum", Value::Float(b.action_sum)));
        out.push(Field::new("turn_sum", Value::Float(b.turn_sum)));
    }
}

// ------------------------------------------------------------------ JSON of the vectors

pub fn command_of(c: &Cmd) -> Command {
    match c {
        Cmd::Act(x) => Command::act("move", vec![*x]),
        Cmd::Acts(parts) => Command::Act {
            name: String::new(),
            args: vec![],
            fields: parts.iter().map(|(n, x)| Field::new(n.as_str(), Value::floats(vec![*x]))).collect(),
        },
        Cmd::Reset(None) => Command::Reset { fields: vec![] },
        Cmd::Reset(Some(n)) => Command::Reset { fields: vec![Field::new("done_at", Value::Int(*n))] },
        Cmd::Wait => Command::Wait,
        Cmd::Pause => Command::Pause,
        Cmd::Resume => Command::Resume,
        Cmd::Stop => Command::Stop,
    }
}

fn cmd_to_json(c: &Cmd) -> Json {
    match c {
        Cmd::Act(x) => json!({ "Act": x }),
        Cmd::Acts(parts) => {
            json!({ "Acts": parts.iter().map(|(n, x)| (n.clone(), json!(x))).collect::<Map<String, Json>>() })
        }
        Cmd::Reset(None) => json!("Reset"),
        Cmd::Reset(Some(n)) => json!({ "Reset": { "done_at": n } }),
        Cmd::Wait => json!("Wait"),
        Cmd::Pause => json!("Pause"),
        Cmd::Resume => json!("Resume"),
        Cmd::Stop => json!("Stop"),
    }
}

fn cmd_from_json(j: &Json) -> Cmd {
    match j {
        Json::String(s) => match s.as_str() {
            "Reset" => Cmd::Reset(None),
            "Wait" => Cmd::Wait,
            "Pause" => Cmd::Pause,
            "Resume" => Cmd::Resume,
            "Stop" => Cmd::Stop,
            other => panic!("unknown command {other}"),
        },
        Json::Object(o) => {
            if let Some(x) = o.get("Act") {
                Cmd::Act(x.as_f64().expect("Act takes a number") as f32)
            } else if let Some(Json::Object(parts)) = o.get("Acts") {
                Cmd::Acts(
                    parts.iter().map(|(n, x)| (n.clone(), x.as_f64().expect("Acts takes numbers") as f32)).collect(),
                )
            } else if let Some(r) = o.get("Reset") {
                Cmd::Reset(r.get("done_at").and_then(Json::as_i64))
            } else {
                panic!("unknown command {j}")
            }
        }
        _ => panic!("unknown command {j}"),
    }
}

fn status_name(s: AgentStatus) -> &'static str {
    match s {
        AgentStatus::Idle => "idle",
        AgentStatus::NewEpisode => "new_episode",
        AgentStatus::Step => "step",
        AgentStatus::Paused => "paused",
    }
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::Int(n) => json!(n),
        Value::Float(x) => json!(*x as f64),
        other => json!(format!("{other:?}")),
    }
}

fn state_json(s: &AgentState) -> Json {
    let mut fields = Map::new();
    for f in &s.fields {
        fields.insert(f.name.clone(), value_json(&f.value));
    }
    json!({
        "id": s.id, "status": status_name(s.status), "steps": s.steps, "reward": s.reward as f64,
        "done": s.done, "truncated": s.truncated, "fields": fields,
    })
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Lockstep => "lockstep",
        Mode::Realtime => "realtime",
    }
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/sessions")
}

// ------------------------------------------------------------------ one session

/// One answered (or, last, unanswered) tick: the physics frame it came at, it, the reply.
type Exchange = (u64, Tick, Vec<(String, Cmd)>);

/// What the scripted controller saw.
struct Seen {
    /// (physics frame, tick, the reply sent).
    exchanges: Vec<Exchange>,
    /// "bye", "close" (the controller closed at a tick it did not answer) or an error.
    end: String,
}

type Respond = Box<dyn FnMut(&Tick) -> Option<Vec<(String, Cmd)>> + Send>;

fn controller(listener: TcpListener, welcome: Welcome, mut respond: Respond, frame: Arc<AtomicU64>) -> Seen {
    let mut seen = Seen { exchanges: vec![], end: String::new() };
    let (stream, _) = match listener.accept() {
        Ok(s) => s,
        Err(e) => {
            seen.end = format!("accept failed: {e}");
            return seen;
        }
    };
    // A hang guard only: every vector's session ends long before it.
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut reader = FrameReader::new(stream.try_clone().unwrap(), Limits::default());
    let mut writer = FrameWriter::new(stream);
    match reader.read_message() {
        Ok(Some(Message::Hello(_))) => {}
        other => {
            seen.end = format!("expected a Hello, got {other:?}");
            return seen;
        }
    }
    writer.write_message(&Message::Welcome(welcome)).unwrap();
    loop {
        match reader.read_message() {
            Ok(Some(Message::Tick(t))) => {
                let at = frame.load(Ordering::SeqCst);
                let Some(cmds) = respond(&t) else {
                    seen.end = "close".into();
                    seen.exchanges.push((at, t, vec![]));
                    return seen;
                };
                let commands =
                    cmds.iter().map(|(id, c)| AgentCommand { id: id.clone(), command: command_of(c) }).collect();
                writer.write_message(&Message::Reply(Reply { seq: t.seq, commands })).unwrap();
                seen.exchanges.push((at, t, cmds));
            }
            Ok(Some(Message::Bye { .. })) => {
                seen.end = "bye".into();
                return seen;
            }
            other => {
                seen.end = format!("unexpected {other:?}");
                return seen;
            }
        }
    }
}

struct SessionSetup {
    mode: Mode,
    config: Vec<AgentConfig>,
}

fn run_session(world: &Rc<RefCell<World>>, defaults: DecisionDefaults, s: &SessionSetup, respond: Respond) -> Seen {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let frame = world.borrow().frame.clone();
    frame.store(0, Ordering::SeqCst);
    let welcome = Welcome { version: PROTOCOL_VERSION, mode: s.mode, agents: s.config.clone() };
    let ctl = std::thread::spawn(move || controller(listener, welcome, respond, frame));
    let opts = EngineOptions { addr, mode: s.mode, reply_timeout: Some(Duration::from_secs(20)), ..Default::default() };
    let engine = Requestor::connect(&opts, SimScene(world.clone()), defaults).and_then(|r| r.run());
    let mut seen = ctl.join().unwrap();
    // A session the controller closed fails on the engine side; any other failure is a bug.
    if let Err(e) = engine {
        if seen.end != "close" {
            seen.end = format!("{} (engine: {e})", seen.end);
        }
    }
    seen
}

fn new_world(agents: &[AgentSpec]) -> Rc<RefCell<World>> {
    Rc::new(RefCell::new(World {
        specs: agents.to_vec(),
        bodies: agents.iter().map(|_| Body::default()).collect(),
        frame: Arc::new(AtomicU64::new(0)),
    }))
}

// ------------------------------------------------------------------ bless: scenarios -> JSON

fn bless(sc: Scenario) -> Json {
    let world = new_world(&sc.agents);
    let defaults = DecisionDefaults { frame_skip: sc.frame_skip, repeat_action: sc.repeat_action };
    let mut sessions = vec![];
    for spec in sc.sessions {
        let setup = SessionSetup { mode: spec.mode, config: spec.config.clone() };
        let mut policy = spec.policy;
        let mut n = 0usize;
        let limit = match spec.end {
            End::Bye => 10_000,
            End::CloseAt(k) => k,
        };
        let respond: Respond = Box::new(move |t| {
            n += 1;
            (n <= limit).then(|| policy(t))
        });
        let seen = run_session(&world, defaults, &setup, respond);
        let want_end = match spec.end {
            End::Bye => "bye",
            End::CloseAt(_) => "close",
        };
        assert_eq!(seen.end, want_end, "{}: the session did not end as scripted", sc.name);
        let mut exchanges = vec![];
        let unanswered = if seen.end == "close" { seen.exchanges.len() - 1 } else { usize::MAX };
        for (k, (frame, t, cmds)) in seen.exchanges.iter().enumerate() {
            let agents: Vec<Json> = t.agents.iter().map(state_json).collect();
            let mut e = json!({ "frame": frame, "tick": { "seq": t.seq, "agents": agents } });
            if k != unanswered {
                let reply: Map<String, Json> = cmds.iter().map(|(id, c)| (id.clone(), cmd_to_json(c))).collect();
                e["reply"] = Json::Object(reply);
            }
            exchanges.push(e);
        }
        let config: Json = serde_json::to_value(&spec.config).unwrap();
        sessions
            .push(json!({ "mode": mode_name(spec.mode), "config": config, "exchanges": exchanges, "end": want_end }));
    }
    let agents: Vec<Json> = sc
        .agents
        .iter()
        .map(|a| json!({ "id": a.id, "max_steps": a.max_steps, "reward": a.reward as f64, "done_at": a.done_at }))
        .collect();
    json!({
        "name": sc.name, "note": sc.note,
        "scene": { "frame_skip": sc.frame_skip, "repeat_action": sc.repeat_action, "agents": agents },
        "sessions": sessions,
    })
}

// ------------------------------------------------------------------ replay: JSON -> checks

fn replay(v: &Json) -> Result<usize, String> {
    let scene = &v["scene"];
    let agents: Vec<AgentSpec> = scene["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| AgentSpec {
            id: a["id"].as_str().unwrap().to_owned(),
            max_steps: a["max_steps"].as_u64().unwrap() as u32,
            reward: a["reward"].as_f64().unwrap() as f32,
            done_at: a["done_at"].as_i64().unwrap(),
        })
        .collect();
    let world = new_world(&agents);
    let defaults = DecisionDefaults {
        frame_skip: scene["frame_skip"].as_u64().unwrap() as u32,
        repeat_action: scene["repeat_action"].as_bool().unwrap(),
    };
    let mut checked = 0;
    for (si, s) in v["sessions"].as_array().unwrap().iter().enumerate() {
        let mode = if s["mode"] == "realtime" { Mode::Realtime } else { Mode::Lockstep };
        let config: Vec<AgentConfig> = serde_json::from_value(s["config"].clone()).map_err(|e| e.to_string())?;
        let exchanges = s["exchanges"].as_array().unwrap().clone();
        let replies: Vec<Option<Vec<(String, Cmd)>>> = exchanges
            .iter()
            .map(|e| {
                e.get("reply")
                    .map(|r| r.as_object().unwrap().iter().map(|(k, c)| (k.clone(), cmd_from_json(c))).collect())
            })
            .collect();
        let mut i = 0usize;
        let respond: Respond = Box::new(move |_| {
            let r = replies.get(i).cloned().flatten();
            i += 1;
            r
        });
        let seen = run_session(&world, defaults, &SessionSetup { mode, config }, respond);
        for (k, want) in exchanges.iter().enumerate() {
            let at = format!("session {si}, exchange {k}");
            let Some((frame, tick, _)) = seen.exchanges.get(k) else {
                return Err(format!("{at}: no tick (the session ended with {:?})", seen.end));
            };
            let got = json!({ "frame": frame, "seq": tick.seq, "agents": tick.agents.iter().map(state_json).collect::<Vec<_>>() });
            let want = json!({ "frame": want["frame"], "seq": want["tick"]["seq"], "agents": want["tick"]["agents"] });
            if got != want {
                return Err(format!("{at}:\n  want {want}\n   got {got}"));
            }
            checked += 1;
        }
        if seen.exchanges.len() != exchanges.len() || seen.end != s["end"] {
            return Err(format!(
                "session {si}: want {} ticks then {}, got {} ticks then {}",
                exchanges.len(),
                s["end"],
                seen.exchanges.len(),
                seen.end
            ));
        }
    }
    Ok(checked)
}

#[test]
fn every_session_vector_replays_exactly() {
    let dir = vectors_dir();
    if std::env::var_os("AI4U_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for sc in scenarios::all() {
            let name = sc.name;
            let text = serde_json::to_string_pretty(&bless(sc)).unwrap() + "\n";
            std::fs::write(dir.join(format!("{name}.json")), text).unwrap();
        }
    }
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    assert!(names.len() >= 15, "only {} session vectors in {}", names.len(), dir.display());
    let mut failures = vec![];
    for p in &names {
        let v: Json = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        match replay(&v) {
            Ok(n) => assert!(n > 0, "{}: no exchanges", p.display()),
            Err(e) => failures.push(format!("{}: {e}", v["name"])),
        }
    }
    assert!(failures.is_empty(), "{} of {} vectors fail:\n{}", failures.len(), names.len(), failures.join("\n"));
}

/// The files are what the scenarios bless to now, so a scenario edited without blessing (or
/// a file edited by hand) is caught.
#[test]
fn every_vector_is_what_its_scenario_blesses_to() {
    for sc in scenarios::all() {
        let path = vectors_dir().join(format!("{}.json", sc.name));
        let name = sc.name;
        let file: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e}; run AI4U_BLESS=1 cargo test -p ai4u-core --test sessions", path.display())
        }))
        .unwrap();
        assert!(bless(sc) == file, "{name}: the vector is stale; bless and review the diff");
    }
}
