//! `ControllerHandle::step_times`: a step's time split into the controller's callbacks, the
//! engine and the server, over a real socket. Sleeps give lower bounds only (a loaded
//! machine makes everything slower, never faster), so nothing here depends on speed.

mod common;

use ai4u_appserver::StepTimes;
use ai4u_controllers::Controller;
use ai4u_core::engine::{DecisionDefaults, Requestor, Scene};
use ai4u_core::spaces::{Sample, Space};
use ai4u_core::value::{Field, State, Value};
use ai4u_core::wire::{AgentInfo, Command};
use common::*;
use std::time::Duration;

const ENGINE_FRAME: Duration = Duration::from_millis(2);
const CONTROLLER: Duration = Duration::from_millis(3);
const FRAME_SKIP: u32 = 2;

/// The line world, with physics frames that take `ENGINE_FRAME`.
struct SlowScene(LineScene);

impl Scene for SlowScene {
    fn agents(&self) -> Vec<AgentInfo> {
        self.0.agents()
    }
    fn reset_agent(&mut self, i: usize, fields: &[Field]) {
        self.0.reset_agent(i, fields)
    }
    fn act(&mut self, i: usize, name: &str, args: &[Value], fields: &[Field]) {
        self.0.act(i, name, args, fields)
    }
    fn step_physics(&mut self) {
        std::thread::sleep(ENGINE_FRAME);
        self.0.step_physics()
    }
    fn frame_reward(&mut self, i: usize) -> f32 {
        self.0.frame_reward(i)
    }
    fn is_done(&self, i: usize) -> bool {
        self.0.is_done(i)
    }
    fn observe(&self, i: usize, out: &mut Vec<Field>) {
        self.0.observe(i, out)
    }
}

/// The line controller, taking `CONTROLLER` to choose each command.
struct SlowController(LineController);

impl Controller for SlowController {
    fn action_space(&self) -> &Space {
        self.0.action_space()
    }
    fn observation_space(&self) -> &Space {
        self.0.observation_space()
    }
    fn step_behavior(&mut self, action: &Sample) -> ai4u_controllers::Result<Command> {
        std::thread::sleep(CONTROLLER);
        self.0.step_behavior(action)
    }
    fn observation(&mut self, state: &State) -> ai4u_controllers::Result<Sample> {
        self.0.observation(state)
    }
}

#[test]
fn a_step_is_split_into_controller_engine_and_server_time() {
    let server = builder().bind().unwrap();
    let opts = engine_opts(server.local_addr());
    let engine_thread = std::thread::spawn(move || {
        let scene = SlowScene(LineScene::new(&["0"], 0));
        let r = Requestor::connect(&opts, scene, DecisionDefaults { frame_skip: FRAME_SKIP, repeat_action: true })?;
        r.run().map(|(end, _)| end)
    });
    let agent = server.start(&["0"], vec![Box::new(SlowController(LineController::new(None)))]).unwrap().remove(0);
    assert_eq!(agent.step_times(), StepTimes::default(), "nothing measured before the first step");
    agent.request_reset(vec![]).unwrap();
    let before = agent.step_times();
    let steps = 8;
    for _ in 0..steps {
        // dx 0.1 never reaches the line's end (5) in 8 steps.
        agent.request_step(&dx(0.1)).unwrap();
    }
    let t = agent.step_times().since(&before);
    assert_eq!(t.steps, steps);
    assert_eq!(t.engine_ticks, steps, "lockstep: one engine tick per decision");
    let (step, controller, engine, server_part) =
        (t.mean_step().unwrap(), t.mean_controller().unwrap(), t.mean_engine().unwrap(), t.mean_server().unwrap());
    assert!(controller >= CONTROLLER, "controller {controller:?} < {CONTROLLER:?}");
    assert!(engine >= ENGINE_FRAME * FRAME_SKIP, "engine {engine:?} < {:?}", ENGINE_FRAME * FRAME_SKIP);
    assert!(step >= controller + engine, "step {step:?} < controller {controller:?} + engine {engine:?}");
    assert_eq!(server_part, step - controller - engine);
    // Every handle of the agent reads the same counters.
    assert_eq!(agent.clone().step_times().steps, agent.step_times().steps);
    agent.stop().unwrap();
    engine_thread.join().unwrap().unwrap();
}
