//! A hostile load against a running server (bounded, loopback): garbage, huge length
//! prefixes, slowloris, silent connections, Hellos at the size limit and random UDP
//! datagrams, all while a good engine steps. The good engine must never fail a step, every
//! hostile connection must be closed by the server, and memory must come back down.

mod common;

use common::*;
use rand::{Rng, SeedableRng};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Waits until the server closes `s` (end of stream or reset), reading whatever it says.
fn closed_by_server(mut s: TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                return false
            }
            Err(_) => return true, // reset: closed too
        }
    }
}

fn attack(addr: SocketAddr, kind: usize, seed: u64) -> bool {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let Ok(mut s) = TcpStream::connect(addr) else { return true };
    match kind {
        // Random bytes.
        0 => {
            let n = rng.gen_range(1..2000);
            let junk: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
            let _ = s.write_all(&junk);
        }
        // A length prefix far over every limit.
        1 => {
            let _ = s.write_all(&u32::MAX.to_le_bytes());
        }
        // Slowloris: a plausible header, then a byte at a time.
        2 => {
            let _ = s.write_all(&1000u32.to_le_bytes());
            for _ in 0..5 {
                if s.write_all(&[0]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        // Silent.
        3 => {}
        // A frame at the Hello limit, full of junk.
        _ => {
            let n = (1u32 << 20) - 1;
            let mut frame = n.to_le_bytes().to_vec();
            frame.extend((0..n).map(|_| rng.gen::<u8>()));
            let _ = s.write_all(&frame);
        }
    }
    closed_by_server(s)
}

#[test]
fn a_good_engine_keeps_stepping_through_a_hostile_load() {
    let server = builder().legacy_udp(true).handshake_timeout(Duration::from_secs(1)).bind().unwrap();
    let addr = server.local_addr();
    let engine = spawn_line_engine(engine_opts(addr), &["0"], 20);
    let handles = server.start(&["0"], line_controllers(1)).unwrap();
    let before = rss_kib();

    let attackers: Vec<_> = (0..60u64).map(|i| std::thread::spawn(move || attack(addr, (i % 5) as usize, i))).collect();
    let udp = std::thread::spawn(move || {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
        for _ in 0..2000 {
            let n = rng.gen_range(1..1400);
            let d: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
            let _ = sock.send_to(&d, addr);
        }
    });

    let h = &handles[0];
    h.request_reset(vec![]).unwrap();
    let mut longest = Duration::ZERO;
    for step in 0..400 {
        let t = Instant::now();
        let r = h.request_step(&dx(0.1)).unwrap_or_else(|e| panic!("step {step} failed under load: {e}"));
        longest = longest.max(t.elapsed());
        if r.ended() {
            h.request_reset(vec![]).unwrap();
        }
    }
    udp.join().unwrap();
    let closed = attackers.into_iter().map(|a| a.join().unwrap()).filter(|&c| c).count();
    assert_eq!(closed, 60, "every hostile connection is closed by the server");
    // The good engine is still served after the load.
    assert_eq!(h.request_step(&dx(0.5)).unwrap().reward, 0.5);
    if let (Some(before), Some(after)) = (before, rss_kib()) {
        eprintln!("longest step under load: {longest:?}; RSS {before} KiB -> {after} KiB");
        // 60 connections of at most 1 MiB each were buffered at worst: far below this.
        assert!(after < before + 256 * 1024, "RSS grew from {before} KiB to {after} KiB");
    }
    h.stop().unwrap();
    engine.join().unwrap().unwrap();
}
