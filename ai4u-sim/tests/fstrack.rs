//! The Formula Student track scene as a separate `ai4u-sim` process over a real loopback
//! socket: its declaration, stereo frames that travel as raw HWC images of the declared
//! shape, telemetry, a run to the finish line, and bad options refused before connecting.

mod common;
use ai4u_core::value::{ImageEncoding, PixelType, Value, ValueKind};
use ai4u_core::wire::{AgentStatus, Command, Mode};
use common::MiniController;
use std::process::{Command as Process, Stdio};

#[test]
fn stereo_frames_and_telemetry_over_loopback_to_the_finish() {
    let (listener, addr) = MiniController::listen();
    let port = addr.rsplit(':').next().unwrap().to_owned();
    let child = Process::new(env!("CARGO_BIN_EXE_ai4u-sim"))
        .args(["--port", &port, "--scene", "fs-track", "--track", "accel", "--camera", "stereo"])
        .args(["--camera-size", "320x240", "--max-steps", "500"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut c, hello) = MiniController::accept(&listener, Mode::Lockstep, vec![]);
    let meta = &hello.agents[0].metadata;
    let left = meta.inputs.iter().find(|i| i.name == "left").expect("a left camera input");
    assert_eq!((left.kind, left.shape.clone()), (ValueKind::Image, vec![240, 320, 3]));
    assert!(meta.inputs.iter().any(|i| i.name == "right"));
    assert!(meta.output("drive").is_some());

    let t = c.tick();
    c.reply_all(&t, Command::Reset { fields: vec![] });
    let mut t = c.tick();
    assert_eq!(t.agents[0].status, AgentStatus::NewEpisode);
    let mut frames = None;
    let mut total = 0.0;
    for _ in 0..500 {
        let a = &t.agents[0];
        total += a.reward;
        let images: Vec<_> = a
            .fields
            .iter()
            .filter_map(|f| match &f.value {
                Value::Image(img) => Some((f.name.clone(), img.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(images.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["left", "right"]);
        for (_, img) in &images {
            assert_eq!((img.width, img.height, img.channels), (320, 240, 3));
            assert_eq!((img.pixel, img.encoding), (PixelType::U8, ImageEncoding::Raw));
            assert_eq!(img.data.len(), 320 * 240 * 3);
        }
        frames.get_or_insert_with(|| (images[0].1.data.clone(), images[1].1.data.clone()));
        if a.done {
            break;
        }
        c.reply_all(&t, Command::act("drive", vec![0.0, 1.0, 0.0]));
        t = c.tick();
    }
    let a = &t.agents[0];
    let get = |name: &str| a.fields.iter().find(|f| f.name == name).unwrap().value.as_f32().unwrap();
    assert!(a.done, "the acceleration run ends");
    assert_eq!(get("finished"), 1.0);
    assert!(get("progress") >= 75.0 && get("speed") > 15.0, "progress {} speed {}", get("progress"), get("speed"));
    assert!(get("lap_time") > 3.0 && get("cones_hit") == 0.0);
    assert!(total > 10.0, "progress and finish rewards, got {total}");
    let (l, r) = frames.unwrap();
    assert_ne!(l, r, "left and right eyes see different frames");
    c.reply_all(&t, Command::Stop);
    c.expect_bye();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn bad_track_options_are_refused_before_connecting() {
    for (args, says) in [
        (&["--scene", "fs-track", "--track", "oval"][..], "--track: `oval` is not a track"),
        (&["--scene", "fs-track", "--camera", "mono", "--camera-size", "9000x10"][..], "9000x10 is out of range"),
        (
            &["--scene", "fs-track", "--camera", "stereo", "--baseline", "-1"][..],
            "stereo baseline -1 m is out of range",
        ),
    ] {
        let out = Process::new(env!("CARGO_BIN_EXE_ai4u-sim")).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
