//! `RemoteEnv` over AI4U's legacy UDP protocol: the first guide's client drives an emulated
//! scene of each edition by action name, with no controller class written.

mod legacy_emu;

use ai4u_appserver::{AppServer, RemoteEnv};
use legacy_emu::{Edition, Emu, GOAL};
use std::time::Duration;

fn drive(edition: Edition) {
    let builder = AppServer::builder().port(0).legacy_udp(true).step_timeout(Duration::from_secs(20));
    let mut env = RemoteEnv::listen(builder, "0").unwrap();
    let addr = env.local_addr().unwrap();
    let scene = std::thread::spawn(move || {
        let mut emu = Emu::new(edition, "0", addr).with_timeout(Duration::from_secs(10));
        emu.configure().unwrap();
        // Until the RemoteEnv closes (its stop makes the server let the agent go).
        emu.run_until(Duration::from_secs(60), |e| e.dones >= 2 && !e.running()).unwrap();
        emu
    });
    env.open(Duration::from_secs(30)).unwrap();
    assert_eq!(env.action_names(), ["move"]);
    for episode in 1..=2 {
        let mut steps = 0;
        let last = loop {
            let s = env.stepfv("move", &[1.0, 0.0, 0.0, 0.0]).unwrap();
            steps += 1;
            assert!(steps <= GOAL, "{edition:?}: the cube was not reached in {GOAL} steps");
            if s.ended() {
                break s;
            }
        };
        assert_eq!(steps, GOAL, "{edition:?} episode {episode}");
        assert!(last.terminated, "{edition:?}");
        assert!((last.reward - 9.99).abs() < 1e-4, "{edition:?}: {}", last.reward);
        assert_eq!(last.get_floats("array").unwrap().len(), 7, "the state's fields arrive as sent");
        if episode == 1 {
            env.reset(vec![]).unwrap();
        }
    }
    env.close().unwrap();
    let emu = scene.join().unwrap();
    assert_eq!((emu.dones, emu.phantoms), (2, 0), "{edition:?}");
}

#[test]
fn remote_env_drives_a_unity_scene_by_action_name() {
    drive(Edition::Unity);
}

#[test]
fn remote_env_drives_a_godot4_scene_by_action_name() {
    drive(Edition::Godot4);
}
