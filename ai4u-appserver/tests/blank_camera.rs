//! The controller side of the blank-frame guard over a real socket: a camera whose frames
//! are all one colour is named in every step's info once the run is long enough, and a
//! frame with content clears it.

mod common;

use ai4u_appserver::{BLANK_INFO, BLANK_RUN};
use ai4u_core::engine::{DecisionDefaults, Requestor, Scene};
use ai4u_core::value::{Field, Image, Value};
use ai4u_core::wire::AgentInfo;
use common::*;

/// The line world with a 16x12 RGB camera that sees nothing (one grey) until the agent has
/// moved past 3, then a horizon.
struct CameraLine(LineScene, f32);

impl Scene for CameraLine {
    fn agents(&self) -> Vec<AgentInfo> {
        self.0.agents()
    }
    fn reset_agent(&mut self, i: usize, fields: &[Field]) {
        self.1 = 0.0;
        self.0.reset_agent(i, fields)
    }
    fn act(&mut self, i: usize, name: &str, args: &[Value], fields: &[Field]) {
        if let Some(Value::FloatArray { data, .. }) = args.first() {
            self.1 += data[0];
        }
        self.0.act(i, name, args, fields)
    }
    fn step_physics(&mut self) {
        self.0.step_physics()
    }
    fn frame_reward(&mut self, i: usize) -> f32 {
        self.0.frame_reward(i)
    }
    fn is_done(&self, i: usize) -> bool {
        self.0.is_done(i)
    }
    fn observe(&self, i: usize, out: &mut Vec<Field>) {
        self.0.observe(i, out);
        let (w, h) = (16u32, 12u32);
        let data: Vec<u8> = (0..w * h * 3).map(|k| if self.1 > 3.0 && k / 3 / w >= h / 2 { 40 } else { 128 }).collect();
        out.push(Field::new("camera", Value::Image(Image::raw_u8(w, h, 3, data).unwrap())));
    }
}

#[test]
fn a_camera_of_one_colour_is_named_in_the_info_until_it_shows_something() {
    let server = builder().bind().unwrap();
    let opts = engine_opts(server.local_addr());
    let engine = std::thread::spawn(move || {
        let scene = CameraLine(LineScene::new(&["0"], 0), 0.0);
        let r = Requestor::connect(&opts, scene, DecisionDefaults { frame_skip: 1, repeat_action: false })?;
        r.run().map(|(end, _)| end)
    });
    let agent = server.start(&["0"], line_controllers(1)).unwrap().remove(0);
    let (_, info) = agent.request_reset(vec![]).unwrap();
    assert!(info.get(BLANK_INFO).is_none(), "one frame is no run");
    // The reset's frame is the first of the run: BLANK_RUN - 1 more make it blank.
    let mut named = Vec::new();
    for _ in 0..BLANK_RUN + 5 {
        let r = agent.request_step(&dx(0.1)).unwrap();
        named.push(r.info.get(BLANK_INFO).cloned());
    }
    let first = named.iter().position(Option::is_some).expect("the blank camera was never named");
    assert_eq!(first as u32, BLANK_RUN - 2, "{named:?}");
    assert!(named[first..].iter().all(|n| n == &Some(Value::String("camera".into()))), "{named:?}");
    // Past position 3 the camera sees a horizon: the info says nothing any more.
    let mut cleared = false;
    for _ in 0..20 {
        let r = agent.request_step(&dx(1.0)).unwrap();
        if r.info.get("obs").and_then(|_| r.info.get_floats("obs").ok()).map(|o| o[0] > 3.0) == Some(true) {
            cleared = r.info.get(BLANK_INFO).is_none();
            break;
        }
    }
    assert!(cleared, "a frame with content still counted as blank");
    agent.stop().unwrap();
    engine.join().unwrap().unwrap();
}
