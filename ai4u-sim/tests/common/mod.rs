//! Helpers shared by the integration tests: a scene at a known pose, and a minimal
//! hand-written controller over a real socket.
#![allow(dead_code)]

use ai4u_core::wire::{
    AgentCommand, AgentConfig, Command, FrameReader, FrameWriter, Hello, Limits, Message, Mode, Reply, Tick, Welcome,
};
use ai4u_sim::{SampleScene, SceneConfig, CODE_FLOOR, CODE_TARGET, VISION_COLS, VISION_ROWS};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A one-agent scene with the agent at `(x, z)` facing `yaw` and its cube at `target`.
pub fn scene_at(x: f32, z: f32, yaw: f32, target: (f32, f32)) -> SampleScene {
    let mut s = SampleScene::new(SceneConfig::default());
    s.set_pose(0, x, z, yaw);
    s.set_target(0, target.0, target.1);
    s
}

/// Runs `n` decisions of agent 0 with `action`; returns the summed reward.
pub fn run(scene: &mut SampleScene, action: [f32; 4], n: usize) -> f32 {
    let mut reward = [0.0f32; 1];
    for _ in 0..n {
        scene.decide(&[action], 4, &mut reward);
    }
    reward[0]
}

/// The controller end of one connection, written directly on the wire types.
pub struct MiniController {
    reader: FrameReader<TcpStream>,
    writer: FrameWriter<TcpStream>,
}

impl MiniController {
    /// Binds an ephemeral loopback port; returns the listener and its `host:port`.
    pub fn listen() -> (TcpListener, String) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        (listener, addr)
    }

    /// Accepts one engine, reads its Hello and answers Welcome with `fields` for every agent.
    pub fn accept(listener: &TcpListener, mode: Mode, fields: Vec<ai4u_core::Field>) -> (MiniController, Hello) {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut c = MiniController {
            reader: FrameReader::new(stream.try_clone().unwrap(), Limits::default()),
            writer: FrameWriter::new(stream),
        };
        let hello = match c.read() {
            Message::Hello(h) => h,
            other => panic!("expected Hello, got {other:?}"),
        };
        let agents = hello.agents.iter().map(|a| AgentConfig { id: a.id.clone(), fields: fields.clone() }).collect();
        c.send(Message::Welcome(Welcome { version: 2, mode, agents }));
        (c, hello)
    }

    pub fn read(&mut self) -> Message {
        self.reader.read_message().unwrap().expect("engine closed the connection")
    }

    pub fn send(&mut self, m: Message) {
        self.writer.write_message(&m).unwrap();
    }

    pub fn tick(&mut self) -> Tick {
        match self.read() {
            Message::Tick(t) => t,
            other => panic!("expected Tick, got {other:?}"),
        }
    }

    /// Answers `tick` with the same command for every agent in it.
    pub fn reply_all(&mut self, tick: &Tick, command: Command) {
        let commands =
            tick.agents.iter().map(|a| AgentCommand { id: a.id.clone(), command: command.clone() }).collect();
        self.send(Message::Reply(Reply { seq: tick.seq, commands }));
    }

    /// Reads the Bye and then the end of the stream.
    pub fn expect_bye(&mut self) {
        match self.read() {
            Message::Bye { .. } => {}
            other => panic!("expected Bye, got {other:?}"),
        }
        assert!(self.reader.read_message().unwrap().is_none(), "engine closes after Bye");
    }
}

/// A hand-written policy over the vision grid, with a little memory.
#[derive(Default)]
pub struct Rule {
    /// Heading error (degrees, positive = right) when the cube was last seen, if ever.
    last_angle: Option<f32>,
    /// Decisions since the cube was last seen (large = never).
    unseen: u32,
    /// Decisions spent searching since the cube was last seen.
    searching: u32,
}

impl Rule {
    pub fn act(&mut self, vision: &[f32; VISION_ROWS * VISION_COLS]) -> [f32; 4] {
        let cols: Vec<usize> = (0..VISION_COLS)
            .filter(|&c| (0..VISION_ROWS).any(|r| vision[r * VISION_COLS + c] == CODE_TARGET))
            .collect();
        if !cols.is_empty() {
            let mean = cols.iter().sum::<usize>() as f32 / cols.len() as f32;
            let angle = -45.0 + 10.0 * mean; // column c looks at -45° + 10° c
            self.last_angle = Some(angle);
            self.unseen = 0;
            self.searching = 0;
            // One decision at lr = 1 turns 14.4°: aim to cancel the error in one decision.
            let lr = (angle / 14.4).clamp(-1.0, 1.0);
            let fb = if angle.abs() < 20.0 { 1.0 } else { 0.0 };
            return [fb, lr, 0.0, 0.0];
        }
        self.unseen = self.unseen.saturating_add(1);
        // Lost while centred: far cubes fall between the ±5° centre columns, so keep going.
        if self.unseen < 60 && self.last_angle.is_some_and(|a| a.abs() < 10.0) {
            return [1.0, 0.0, 0.0, 0.0];
        }
        // Lost to one side, or never seen: turn (towards where it was, if anywhere); after a
        // full turn without it, walk a little where the floor continues.
        self.searching += 1;
        let turn = if self.last_angle.is_some_and(|a| a < 0.0) { -1.0 } else { 1.0 };
        let floor_ahead = (4..=5).all(|c| vision[2 * VISION_COLS + c] == CODE_FLOOR)
            && (4..=5).all(|c| vision[VISION_COLS + c] == CODE_FLOOR);
        if self.searching % 35 > 25 && floor_ahead {
            [1.0, 0.0, 0.0, 0.0]
        } else {
            [0.0, turn, 0.0, 0.0]
        }
    }
}
