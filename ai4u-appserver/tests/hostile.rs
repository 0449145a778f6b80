//! Declarations the server must not take on trust: shapes whose spaces would not fit in
//! memory are refused before anything is built, over TCP and over AI4U's UDP protocol; a
//! controller that would send or read what the engine does not declare is refused at the
//! handshake; and the server goes on serving everyone else.

mod common;

use ai4u_controllers::{Controller, GenericController};
use ai4u_core::legacy;
use ai4u_core::metadata::OutputSpec;
use ai4u_core::spaces::{BoxSpace, DType, Space};
use ai4u_core::value::Field;
use ai4u_core::wire::*;
use common::*;
use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

fn generic(n: usize) -> Vec<Box<dyn Controller>> {
    (0..n).map(|_| Box::new(GenericController::new()) as Box<dyn Controller>).collect()
}

fn rejected(e: &mut RawEngine) -> String {
    match e.recv() {
        Some(Message::Reject { reason }) => reason,
        other => panic!("expected a Reject, got {other:?}"),
    }
}

#[test]
fn a_huge_declared_shape_is_refused_before_any_space_is_built() {
    let server = builder().bind().unwrap();
    let addr = server.local_addr();
    // Serving starts here; `start` returns once the good engine below has configured "0".
    let starting = std::thread::spawn(move || server.start(&["0"], generic(1)));
    let hostile = std::thread::spawn(move || {
        let mut e = RawEngine::connect(addr);
        let mut hello = RawEngine::hello(&["0"]);
        // 2^56 elements: deriving a Box space from it would abort the process.
        hello.agents[0].metadata.outputs[0] = OutputSpec {
            name: "move".into(),
            continuous: true,
            shape: vec![1 << 28, 1 << 28],
            range_min: vec![],
            range_max: vec![],
        };
        e.send(Message::Hello(hello));
        rejected(&mut e)
    });
    let reason = hostile.join().unwrap();
    assert_eq!(
        reason,
        "agent `0`: output `move` declares shape [268435456, 268435456] (72057594037927936 elements), \
         over the limit of 4194304 elements per agent"
    );
    // A well-behaved engine is served as if nothing happened.
    let engine = spawn_line_engine(engine_opts(addr), &["0"], 0);
    let handles = starting.join().unwrap().unwrap();
    handles[0].request_reset(vec![]).unwrap();
    assert_eq!(handles[0].request_step(&dx(1.0)).unwrap().reward, 1.0);
    handles[0].stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn the_servers_element_budget_is_shared_by_connected_agents_and_given_back() {
    // Each line agent declares 3 elements (obs [2], move [1]): the budget fits one at a time.
    let server = builder().max_total_elements(5).connect_timeout(Duration::from_secs(3)).bind().unwrap();
    let addr = server.local_addr();
    let serving = std::thread::spawn(move || server.start(&["0", "1"], line_controllers(2)));
    let first = std::thread::spawn(move || {
        let mut e = RawEngine::connect(addr);
        e.send(Message::Hello(RawEngine::hello(&["0"])));
        assert!(matches!(e.recv(), Some(Message::Welcome(_))));
        let mut second = RawEngine::connect(addr);
        second.send(Message::Hello(RawEngine::hello(&["1"])));
        let reason = rejected(&mut second);
        // The first engine leaves; its share is free again.
        e.send(Message::Bye { reason: "done".into() });
        drop(e);
        reason
    });
    let reason = first.join().unwrap();
    assert_eq!(
        reason,
        "the agents declare 3 tensor elements; with the 3 already connected that is over the server's \
         limit of 5 (ServerOptions::max_total_elements)"
    );
    // Freed asynchronously when the first connection task ends: retry briefly.
    let mut last = String::new();
    for _ in 0..50 {
        let mut e = RawEngine::connect(addr);
        e.send(Message::Hello(RawEngine::hello(&["1"])));
        match e.recv() {
            Some(Message::Welcome(_)) => {
                e.send(Message::Bye { reason: "done".into() });
                last.clear();
                break;
            }
            other => last = format!("{other:?}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(last.is_empty(), "the budget was not given back: {last}");
    drop(serving);
}

#[test]
fn a_huge_legacy_declaration_is_refused_and_udp_serving_goes_on() {
    let server = builder().legacy_udp(true).connect_timeout(Duration::from_secs(2)).bind().unwrap();
    let addr = server.local_addr();
    let probe = UdpSocket::bind("127.0.0.1:0").unwrap();
    probe.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let starting = std::thread::spawn(move || server.start(&["0"], generic(1)));
    let metadata = r#"{"inputs":[{"name":"vision","shape":[268435456,268435456],"type":5,"rangeMin":0,"rangeMax":1}],
        "outputs":[{"name":"move","isContinuous":true,"shape":[1],"rangeMin":[-1],"rangeMax":[1]}]}"#;
    let config = [
        Field::new("__target__", "envcontrol"),
        Field::new("max_steps", 5i64),
        Field::new("id", "0"),
        Field::new("modelmetadata", metadata),
        Field::new("config", 1i64),
    ];
    // Sent twice: the first refusal must have released the id for the second to be
    // refused for the same reason (and not as "already connected").
    for _ in 0..2 {
        probe.send_to(&legacy::encode_request(&config), addr).unwrap();
        let mut buf = [0u8; 1000];
        let (n, _) = probe.recv_from(&mut buf).expect("the server answers");
        assert_eq!(&buf[..n], b"__stop__;0;");
    }
    // Nothing was configured, so `start` reports the id as missing: the process is alive.
    let err = starting.join().unwrap().unwrap_err();
    assert!(err.to_string().starts_with("no engine configured agent(s) 0"), "{err}");
}

/// Sends `move [1]`, reads one Box of 2 floats: the line world's controller, with an actuator name.
struct Mover(Space, Space);

impl Controller for Mover {
    fn action_space(&self) -> &Space {
        &self.0
    }
    fn observation_space(&self) -> &Space {
        &self.1
    }
    fn action_name(&self) -> &str {
        "move"
    }
}

fn mover() -> Box<dyn Controller> {
    Box::new(Mover(
        BoxSpace::uniform(-1.0, 1.0, &[1], DType::F32).unwrap().into(),
        BoxSpace::uniform(-100.0, 100.0, &[2], DType::F32).unwrap().into(),
    ))
}

#[test]
fn a_controller_whose_actuator_the_engine_lacks_is_refused_with_the_declared_names() {
    let server = builder().bind().unwrap();
    let addr = server.local_addr();
    let starting = std::thread::spawn(move || server.start(&["0"], vec![mover()]));
    let mut e = RawEngine::connect(addr);
    let mut hello = RawEngine::hello(&["0"]);
    hello.agents[0].metadata.outputs[0].name = "drive".into();
    hello.agents[0].metadata.outputs[0].shape = vec![2];
    e.send(Message::Hello(hello));
    assert_eq!(
        rejected(&mut e),
        "agent `0`: configuration refused: engine declares outputs: drive [2]; the controller sends move"
    );
    // The same controller is welcome where the engine declares `move [1]`.
    let engine = spawn_line_engine(engine_opts(addr), &["0"], 0);
    let handles = starting.join().unwrap().unwrap();
    handles[0].request_reset(vec![]).unwrap();
    assert_eq!(handles[0].request_step(&dx(0.5)).unwrap().reward, 0.5);
    handles[0].stop().unwrap();
    engine.join().unwrap().unwrap();
}

/// Reads one framed message from a raw stream (None when the server closed first).
fn read_frame(s: &mut TcpStream) -> Option<Message> {
    let mut header = [0u8; 4];
    s.read_exact(&mut header).ok()?;
    let mut body = vec![0u8; u32::from_le_bytes(header) as usize];
    s.read_exact(&mut body).ok()?;
    decode(&body, &Limits::default()).ok()
}

fn error_reason(m: Option<Message>) -> String {
    match m {
        Some(Message::Error { reason }) => reason,
        other => panic!("expected an Error, got {other:?}"),
    }
}

#[test]
fn a_stranger_gets_a_small_hello_limit_a_deadline_and_a_queue_limit() {
    let server = builder()
        .max_hello_len(1 << 10)
        .max_pending_handshakes(2)
        .handshake_timeout(Duration::from_millis(300))
        .connect_timeout(Duration::from_secs(20))
        .bind()
        .unwrap();
    let addr = server.local_addr();
    let starting = std::thread::spawn(move || server.start(&["0"], line_controllers(1)));
    // A frame header announcing 1 MiB before any Hello: refused unread.
    let mut big = TcpStream::connect(addr).unwrap();
    big.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    big.write_all(&(1u32 << 20).to_le_bytes()).unwrap();
    assert_eq!(
        error_reason(read_frame(&mut big)),
        "protocol error: frame of 1048576 bytes exceeds the limit of 1024 bytes"
    );
    // Two silent connections fill the handshake queue; a third is told so at once.
    let mut idle: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(50));
    let mut third = TcpStream::connect(addr).unwrap();
    third.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let reason = error_reason(read_frame(&mut third));
    assert_eq!(reason, "too many connections are waiting for their handshake (limit 2); try again later");
    // The silent ones hear why they are closed when their deadline passes.
    for s in &mut idle {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        assert_eq!(
            error_reason(read_frame(s)),
            "no Hello within 0.3 s of connecting (ServerOptions::handshake_timeout)"
        );
    }
    // Then the queue is free for a real engine, whose ticks get the full limits.
    let engine = spawn_line_engine(engine_opts(addr), &["0"], 0);
    let handles = starting.join().unwrap().unwrap();
    handles[0].request_reset(vec![]).unwrap();
    assert_eq!(handles[0].request_step(&dx(1.0)).unwrap().reward, 1.0);
    handles[0].stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn a_server_reachable_from_other_machines_needs_a_token() {
    use ai4u_appserver::AppServer;
    let open = AppServer::builder().host("0.0.0.0").port(0).bind().err().expect("refused");
    let text = open.to_string();
    assert!(text.starts_with("refusing to listen on 0.0.0.0:"), "{text}");
    assert!(text.contains("without a token"), "{text}");
    assert!(AppServer::builder().host("0.0.0.0").port(0).token("t").bind().is_ok());
    let udp = AppServer::builder().host("0.0.0.0").port(0).token("t").legacy_udp(true).bind().err().expect("refused");
    assert!(udp.to_string().contains("AI4U's UDP protocol, which cannot carry a token"), "{udp}");
    assert!(AppServer::builder().host("0.0.0.0").port(0).insecure(true).bind().is_ok());
    assert!(AppServer::builder().port(0).legacy_udp(true).bind().is_ok(), "loopback needs nothing");
}

#[test]
fn a_step_report_right_after_a_reset_is_a_violation_named_at_once() {
    let server = builder().step_timeout(Duration::from_secs(30)).bind().unwrap();
    let addr = server.local_addr();
    let raw = std::thread::spawn(move || {
        let mut e = raw_welcomed(addr, &["0"]);
        let seq = idle_until_reset(&mut e);
        // The engine skips the new episode and reports a step.
        e.send(Message::Tick(Tick { seq, agents: vec![RawEngine::state("0", AgentStatus::Step, 0.0)] }));
        e.recv()
    });
    let handles = server.start(&["0"], line_controllers(1)).unwrap();
    // Answered by the violation, not by the step timeout (which would say so).
    let err = handles[0].request_reset(vec![]).unwrap_err();
    let reason =
        "agent `0` reported status step after a Reset; its next report must be new episode (PROTOCOL.md section 5)";
    assert_eq!(raw.join().unwrap(), Some(Message::Error { reason: reason.into() }));
    assert_eq!(err.to_string(), format!("engine of agent `0` disconnected: {reason}"));
}

#[test]
fn an_image_input_declared_in_another_layout_than_hwc_is_refused() {
    let server = builder().bind().unwrap();
    let addr = server.local_addr();
    let starting = std::thread::spawn(move || server.start(&["0"], generic(1)));
    for shape in [vec![36], vec![3, 4, 3, 1]] {
        let mut e = RawEngine::connect(addr);
        let mut hello = RawEngine::hello(&["0"]);
        hello.agents[0].metadata.inputs.push(ai4u_core::metadata::InputSpec {
            name: "camera".into(),
            kind: ai4u_core::value::ValueKind::Image,
            shape: shape.clone(),
            range_min: 0.0,
            range_max: 255.0,
        });
        e.send(Message::Hello(hello));
        assert_eq!(
            rejected(&mut e),
            format!(
                "agent `0`: image input `camera` is declared {shape:?}; an image input's shape is [height, width, channels]"
            )
        );
    }
    let engine = spawn_line_engine(engine_opts(addr), &["0"], 0);
    let handles = starting.join().unwrap().unwrap();
    handles[0].stop().unwrap();
    engine.join().unwrap().unwrap();
}
