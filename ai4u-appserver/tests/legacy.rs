//! Scenes made with the original AI4U packages: a fake AI4U engine speaks the legacy UDP text
//! protocol (configuration, wait messages, step messages, AI4U's replies) to the real server.

mod common;

use ai4u_appserver::AppError;
use ai4u_core::legacy;
use ai4u_core::value::{Field, Value};
use common::*;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const METADATA: &str = r#"{"inputs":[{"name":"obs","shape":[2],"type":5,"rangeMin":-100,"rangeMax":100}],
 "outputs":[{"name":"move","isContinuous":true,"shape":[1],"rangeMin":[-1],"rangeMax":[1]}]}"#;

fn ask(sock: &UdpSocket, server: SocketAddr, fields: &[Field]) -> String {
    sock.send_to(&legacy::encode_request(fields), server).unwrap();
    let mut buf = [0u8; 1000]; // AI4U engines read replies into 1000 bytes
    let (n, _) = sock.recv_from(&mut buf).expect("the server answers every datagram");
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

/// An AI4U agent on a line, as AI4U's Unity package would run it: it configures, waits
/// (stopped) until `__restart__`, then sends its state every frame and applies `move`.
/// Returns every reply it got.
fn fake_ai4u_engine(
    server: SocketAddr,
    id: &'static str,
    quit: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut seen = Vec::new();
        let config = ask(
            &sock,
            server,
            &[
                Field::new("__target__", "envcontrol"),
                Field::new("max_steps", 50i64),
                Field::new("id", id),
                Field::new("modelmetadata", METADATA),
                Field::new("config", 1i64),
            ],
        );
        seen.push(config);
        let (mut stopped, mut pos, mut seed, mut reward, mut steps) = (true, 0.0f32, 0.0f32, 0.0f32, 0i64);
        while !quit.load(Ordering::Relaxed) {
            let reply = if stopped {
                ask(
                    &sock,
                    server,
                    &[
                        Field::new("__target__", "envcontrol"),
                        Field::new("wait_command", "restart, resume"),
                        Field::new("id", id),
                    ],
                )
            } else {
                ask(
                    &sock,
                    server,
                    &[
                        Field::new("done", pos >= 5.0),
                        Field::new("reward", reward),
                        Field::new("id", id),
                        Field::new("steps", steps),
                        Field::new("obs", Value::floats(vec![pos, seed])),
                    ],
                )
            };
            let cmds = legacy::decode_reply(&reply);
            match cmds[0].0.as_str() {
                "__restart__" => {
                    seed = cmds.iter().find(|c| c.0 == "seed").map(|c| c.1[0].parse().unwrap()).unwrap_or(0.0);
                    pos = seed.rem_euclid(3.0);
                    (stopped, reward, steps) = (false, 0.0, 0);
                }
                "__stop__" => stopped = true,
                "move" => {
                    let dx: f32 = cmds[0].1[0].parse().unwrap();
                    pos += dx;
                    reward = dx;
                    steps += 1;
                }
                _ => std::thread::sleep(Duration::from_millis(1)),
            }
            if !matches!(cmds[0].0.as_str(), "__noop__" | "__waitnewaction__") {
                seen.push(reply);
            }
        }
        seen
    })
}

#[test]
fn an_ai4u_scene_is_driven_through_the_legacy_protocol() {
    let server = builder().legacy_udp(true).bind().unwrap();
    let addr = server.local_addr();
    let quit = Arc::new(AtomicBool::new(false));
    let engine = fake_ai4u_engine(addr, "0", quit.clone());
    let handles = server.start(&["0"], line_controllers(1)).unwrap();
    let h = &handles[0];
    // A seed travels as AI4U's reset field; the scene starts at seed mod 3.
    let (obs, _) = h.request_reset(vec![Field::new("seed", 7i64)]).unwrap();
    assert_eq!(pos(&obs), 1.0);
    let mut rewards = 0.0;
    let mut last = None;
    for _ in 0..10 {
        let r = h.request_step(&dx(1.0)).unwrap();
        rewards += r.reward;
        let done = r.ended();
        last = Some(r);
        if done {
            break;
        }
    }
    let last = last.unwrap();
    assert!(last.terminated, "{last:?}");
    assert_eq!(pos(&last.obs), 5.0);
    assert_eq!(rewards, 4.0);
    // The next episode starts from a plain restart.
    let (obs, _) = h.request_reset(vec![]).unwrap();
    assert_eq!(pos(&obs), 0.0);
    quit.store(true, Ordering::Relaxed);
    let seen = engine.join().unwrap();
    assert_eq!(seen[0], "max_steps;1;50@id;1;0");
    assert_eq!(seen[1], "__restart__;0;@seed;1;7");
    assert_eq!(seen[2], "move;1;1");
    assert!(seen.contains(&"__stop__;0;".to_owned()), "an ended episode stops the agent: {seen:?}");
}

#[test]
fn bad_datagrams_unknown_ids_and_silence_are_handled() {
    let server = builder().legacy_udp(true).step_timeout(Duration::from_secs(1)).bind().unwrap();
    let addr = server.local_addr();
    // Garbage is ignored (no reply) and the server keeps serving.
    let probe = UdpSocket::bind("127.0.0.1:0").unwrap();
    probe.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let quit = Arc::new(AtomicBool::new(false));
    let engine = fake_ai4u_engine(addr, "0", quit.clone());
    let handles = server.start(&["0"], line_controllers(1)).unwrap();
    probe.send_to(b"not an ai4u request", addr).unwrap();
    let mut buf = [0u8; 100];
    assert!(probe.recv_from(&mut buf).is_err(), "garbage gets no answer");
    // An id this server does not serve is told to stop.
    let reply = ask(
        &probe,
        addr,
        &[
            Field::new("__target__", "envcontrol"),
            Field::new("max_steps", 5i64),
            Field::new("id", "9"),
            Field::new("config", 1i64),
        ],
    );
    assert_eq!(reply, "__stop__;0;");
    // The real agent still works.
    let h = &handles[0];
    h.request_reset(vec![]).unwrap();
    assert_eq!(h.request_step(&dx(1.0)).unwrap().reward, 1.0);
    // The engine goes silent: the agent is reported disconnected, not left hanging.
    quit.store(true, Ordering::Relaxed);
    engine.join().unwrap();
    assert!(h.wait_disconnected(Duration::from_secs(5)));
    let err = h.request_step(&dx(1.0)).unwrap_err();
    assert!(matches!(err, AppError::Disconnected { .. }), "{err}");
}
