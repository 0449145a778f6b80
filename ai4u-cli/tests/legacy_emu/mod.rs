//! Engine emulators of the three AI4U editions, for tests against `ai4u serve --legacy-udp`.
//!
//! Written from `ai4u-legacy-protocol.md` ("What each edition's engine does with the
//! replies"), not from the engines' code: the configuration message, the wait message of
//! each edition, states with (Godot 4) and without (Unity, Godot 3) the `__ctrl_*__`
//! fields, `done`, the Godot 4 window-close message and Unity's Stop -> Play (the same id
//! configured again). One datagram is in flight at a time with the edition's receive
//! timeout, as the engines do; an unanswered datagram ends the emulator ("the controller is
//! not connected"), as it quits the game.
//!
//! The scene is SampleScene-shaped so the unchanged `samplescene` controller and its
//! scripted pilot drive it: `array` (7 floats, the first the dot product towards the cube)
//! and `vision` (a 10x10 ray grid that always sees the cube straight ahead). Each action
//! moves the agent by `round(fb)` units; the cube is 10 units away, so the pilot
//! reaches it in 10 steps. Rewards: -0.01 per step, +10 on reaching the cube (`done`); the
//! engine's own episode length ends an episode with `done` too, as AI4U's agents do.

#![allow(dead_code)]

use ai4u_core::legacy;
use ai4u_core::value::{Field, Value};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// Which engine side is emulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// The Unity package AI4UUE 0.9.
    Unity,
    /// The Godot 3 edition AI4UGE (C#).
    Godot3,
    /// The Godot 4 edition (2025, C#).
    Godot4,
}

impl Edition {
    /// The receive timeout the edition uses by default.
    pub fn receive_timeout(self) -> Duration {
        match self {
            Edition::Unity | Edition::Godot4 => Duration::from_millis(2000),
            Edition::Godot3 => Duration::from_millis(200),
        }
    }

    /// Unity and Godot 3 prefix every input shape with the stacked-observation count.
    fn stacks(self) -> bool {
        self != Edition::Godot4
    }
}

/// Units between the agent's start and the cube.
pub const GOAL: i64 = 10;

/// Why an emulator stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmuEnd {
    /// A datagram went unanswered within the receive timeout.
    NotConnected,
    /// The socket failed.
    Io(String),
}

/// One emulated AI4U agent.
pub struct Emu {
    pub edition: Edition,
    pub id: String,
    server: SocketAddr,
    sock: UdpSocket,
    timeout: Duration,
    /// The episode length the engine keeps on its own (sent in the configuration).
    pub engine_max_steps: i64,
    running: bool,
    done: bool,
    progress: i64,
    steps: i64,
    reward: f32,
    last_action: [f32; 4],
    frames: u64,
    /// The last env command received (Godot 4 repeats it in its wait message).
    last_env_command: String,
    /// The configuration's reply.
    pub config_reply: String,
    /// Every reply other than "nothing new" (`__noop__`, `__waitnewaction__`), in order.
    pub replies: Vec<String>,
    /// Episodes started (restart or reset received).
    pub starts: u32,
    /// Episodes that reached `done` (as the engine sees it).
    pub dones: u32,
    /// Episodes whose first state already had `done` set (Godot 4 told `__restart__`).
    pub phantoms: u32,
    /// Actions applied, over all episodes.
    pub actions: u32,
    /// Actions applied in the running episode.
    pub episode_actions: u32,
}

fn recv_text(sock: &UdpSocket) -> Result<String, EmuEnd> {
    let mut buf = [0u8; 1000]; // the editions' receive buffer
    match sock.recv_from(&mut buf) {
        Ok((n, _)) => Ok(String::from_utf8_lossy(&buf[..n]).into_owned()),
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            Err(EmuEnd::NotConnected)
        }
        Err(e) => Err(EmuEnd::Io(e.to_string())),
    }
}

impl Emu {
    /// An agent `id` of `edition` that will talk to `server` (nothing is sent yet).
    pub fn new(edition: Edition, id: &str, server: SocketAddr) -> Emu {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
        Emu {
            edition,
            id: id.to_owned(),
            server,
            sock,
            timeout: edition.receive_timeout(),
            engine_max_steps: 3000,
            running: false,
            done: false,
            progress: 0,
            steps: 0,
            reward: 0.0,
            last_action: [0.0; 4],
            frames: 0,
            last_env_command: String::new(),
            config_reply: String::new(),
            replies: Vec::new(),
            starts: 0,
            dones: 0,
            phantoms: 0,
            actions: 0,
            episode_actions: 0,
        }
    }

    /// Sets the receive timeout (the Godot 3 edition's 200 ms is tight on a loaded machine).
    pub fn with_timeout(mut self, t: Duration) -> Emu {
        self.timeout = t;
        self
    }

    /// Sets the engine's own episode length.
    pub fn with_engine_max_steps(mut self, n: i64) -> Emu {
        self.engine_max_steps = n;
        self
    }

    /// Whether an episode is running (the agent is started).
    pub fn running(&self) -> bool {
        self.running
    }

    fn ask(&mut self, fields: &[Field]) -> Result<String, EmuEnd> {
        self.sock.set_read_timeout(Some(self.timeout)).map_err(|e| EmuEnd::Io(e.to_string()))?;
        self.sock.send_to(&legacy::encode_request(fields), self.server).map_err(|e| EmuEnd::Io(e.to_string()))?;
        recv_text(&self.sock)
    }

    fn metadata(&self) -> String {
        let (array, vision) = if self.edition.stacks() { ("[1,7]", "[1,10,10]") } else { ("[7]", "[10,10,1]") };
        format!(
            r#"{{"inputs":[{{"name":"array","shape":{array},"type":5,"rangeMin":-1,"rangeMax":1}},
                {{"name":"vision","shape":{vision},"type":5,"rangeMin":0,"rangeMax":255}}],
               "outputs":[{{"name":"move","isContinuous":true,"shape":[4],"rangeMin":[-1,-1,0,0],"rangeMax":[1,1,1,1]}}]}}"#
        )
    }

    /// Sends the configuration (as every edition does when the scene starts, and again
    /// after Stop -> Play); the agent starts stopped. Returns the reply.
    pub fn configure(&mut self) -> Result<String, EmuEnd> {
        self.running = false;
        self.done = false;
        let fields = [
            Field::new("__target__", "envcontrol"),
            Field::new("max_steps", self.engine_max_steps),
            Field::new("id", self.id.as_str()),
            Field::new("modelmetadata", self.metadata()),
            Field::new("config", 1i64),
        ];
        let reply = self.ask(&fields)?;
        // The editions read this reply only for being non-empty.
        self.config_reply = reply.clone();
        Ok(reply)
    }

    /// Unity's Stop then Play: the scene is rebuilt (a new socket) and configures the same
    /// id again, mid-episode or not.
    pub fn stop_and_play(&mut self) -> Result<String, EmuEnd> {
        self.sock = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
        self.progress = 0;
        self.steps = 0;
        self.episode_actions = 0;
        self.configure()
    }

    /// The Godot 4 edition's window closes: its close message; returns the reply.
    pub fn close_window(&mut self) -> Result<String, EmuEnd> {
        let fields = [
            Field::new("__target__", "envcontrol"),
            Field::new("__stop__", "stop"),
            Field::new("id", self.id.as_str()),
        ];
        let reply = self.ask(&fields)?;
        self.replies.push(reply.clone());
        Ok(reply)
    }

    fn wait_message(&self) -> Vec<Field> {
        let mut f = vec![Field::new("__target__", "envcontrol")];
        match self.edition {
            Edition::Godot4 => {
                f.push(Field::new("wait_command", "restart, resume, start_and_reset, start"));
                f.push(Field::new("id", self.id.as_str()));
                f.push(Field::new(self.last_env_command.as_str(), self.last_env_command.as_str()));
            }
            _ => {
                f.push(Field::new("wait_command", "restart, resume"));
                f.push(Field::new("id", self.id.as_str()));
            }
        }
        f
    }

    fn state_message(&self) -> Vec<Field> {
        let mut array = vec![1.0, ((GOAL - self.progress) as f32 / GOAL as f32).clamp(0.0, 1.0), 1.0];
        array.extend_from_slice(&self.last_action);
        // The cube straight ahead (columns 4 and 5), floor everywhere else.
        let vision: Vec<f32> = (0..100).map(|i| if (4..6).contains(&(i % 10)) { 200.0 } else { 50.0 }).collect();
        let mut f = vec![
            Field::new("done", self.done),
            Field::new("reward", self.reward),
            Field::new("id", self.id.as_str()),
            Field::new("steps", self.steps),
            Field::new("array", Value::floats(array)),
            Field::new("vision", Value::floats(vision)),
        ];
        if self.edition == Edition::Godot4 {
            f.extend([
                Field::new("__ctrl_paused__", false),
                Field::new("__ctrl_stopped__", !self.running),
                Field::new("__ctrl_applyingAction__", false),
                Field::new("__ctrl_frameCounter__", self.frames as i64),
                Field::new("__ctrl_skipFrame__", 4i64),
                Field::new("__ctrl_repeatAction__", false),
                Field::new("__ctrl_envMode__", 0i64),
                Field::new("truncated", false),
            ]);
        }
        f
    }

    /// Starts an episode; `reset` clears the last one's state (Godot 4's `__restart__` does not).
    fn start(&mut self, reset: bool) {
        self.running = true;
        self.starts += 1;
        self.episode_actions = 0;
        if reset {
            self.done = false;
            self.progress = 0;
            self.steps = 0;
            self.reward = 0.0;
            self.last_action = [0.0; 4];
        } else if self.done {
            self.phantoms += 1;
        }
    }

    fn apply(&mut self, args: &[String]) {
        if self.done {
            return;
        }
        let a: Vec<f32> = args.iter().map(|a| a.parse().unwrap_or(0.0)).collect();
        for (slot, v) in self.last_action.iter_mut().zip(&a) {
            *slot = *v;
        }
        self.progress += a.first().copied().unwrap_or(0.0).round() as i64;
        self.steps += 1;
        self.actions += 1;
        self.episode_actions += 1;
        self.reward = -0.01;
        if self.progress >= GOAL {
            self.reward += 10.0;
            self.done = true;
        } else if self.steps >= self.engine_max_steps {
            self.done = true;
        }
        if self.done {
            self.dones += 1;
        }
    }

    /// One frame: a wait message (stopped) or a state (running), and the reply applied.
    pub fn frame(&mut self) -> Result<(), EmuEnd> {
        self.frames += 1;
        let waiting = !self.running;
        let msg = if waiting { self.wait_message() } else { self.state_message() };
        let reply = self.ask(&msg)?;
        let cmds = legacy::decode_reply(&reply);
        let Some((name, args)) = cmds.first().cloned() else { return Ok(()) };
        if !matches!(name.as_str(), "__noop__" | "__waitnewaction__") {
            self.replies.push(reply.clone());
        }
        if name.starts_with("__") && name != "__waitnewaction__" && name != "__noop__" {
            self.last_env_command = name.clone();
        }
        match (self.edition, name.as_str()) {
            (Edition::Godot4, "__reset__") => self.start(true),
            // Obsolete in Godot 4: it only starts the agent, `done` stays set.
            (Edition::Godot4, "__restart__" | "__start_agent__") => self.start(false),
            (_, "__restart__") => self.start(true),
            (_, "__stop__" | "__pause__") => self.running = false,
            (_, "__resume__") => self.running = true,
            (_, "move") if !waiting => self.apply(&args),
            _ => {}
        }
        // A physics frame.
        std::thread::sleep(Duration::from_micros(500));
        Ok(())
    }

    /// Runs frames until `cond` holds; false when `limit` passed first.
    pub fn run_until(&mut self, limit: Duration, mut cond: impl FnMut(&Emu) -> bool) -> Result<bool, EmuEnd> {
        let end = Instant::now() + limit;
        while !cond(self) {
            if Instant::now() > end {
                return Ok(false);
            }
            self.frame()?;
        }
        Ok(true)
    }

    /// Runs frames until the server stops answering (it exited), or `limit`; returns why it
    /// ended (`None` at the limit).
    pub fn run_until_gone(&mut self, limit: Duration) -> Option<EmuEnd> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Err(e) = self.frame() {
                return Some(e);
            }
        }
        None
    }
}
