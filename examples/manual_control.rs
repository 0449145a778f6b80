//! Drive the SampleScene agent from the keyboard, as AI4U's `app.py` did:
//! W/S walk forward/back, A/D turn left/right, U jump, F forward jump, E reset, T quit.
//!
//! `cargo run -p ai4u-examples --example manual_control [-- --external]`
//!
//! Keys are read one at a time (the terminal is put in non-canonical mode with `stty` and
//! restored on exit); without a terminal, type a key and Enter.

#[path = "common/mod.rs"]
mod common;

use ai4u_core::spaces::Sample;
use ai4u_core::value::Field;
use std::io::Read;
use std::process::Command;

/// Restores the terminal however the program ends.
struct RawTerminal(bool);

impl RawTerminal {
    fn enter() -> RawTerminal {
        let ok = Command::new("stty")
            .args(["-icanon", "-echo", "min", "1"])
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|s| s.success());
        RawTerminal(ok)
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        if self.0 {
            let _ = Command::new("stty").args(["icanon", "echo"]).stdin(std::process::Stdio::inherit()).status();
        }
    }
}

fn action(fb: f32, lr: f32, j: f32, jf: f32) -> Sample {
    Sample::F32(ndarray_vec(vec![fb, lr, j, jf]))
}

fn ndarray_vec(v: Vec<f32>) -> ai4u_core::ndarray::ArrayD<f32> {
    ai4u_core::ndarray::ArrayD::from_shape_vec(vec![v.len()], v).expect("rank-1 shape")
}

fn main() -> anyhow::Result<()> {
    let agent = common::start(1, 1)?.remove(0);
    println!("W/S walk, A/D turn, U jump, F forward jump, E reset, T quit");
    let _raw = RawTerminal::enter();
    agent.request_reset(vec![])?;
    let mut ret = 0.0;
    for byte in std::io::stdin().lock().bytes() {
        let a = match byte?.to_ascii_lowercase() {
            b'w' => action(1.0, 0.0, 0.0, 0.0),
            b's' => action(-1.0, 0.0, 0.0, 0.0),
            b'a' => action(0.0, -1.0, 0.0, 0.0),
            b'd' => action(0.0, 1.0, 0.0, 0.0),
            b'u' => action(0.0, 0.0, 1.0, 0.0),
            b'f' => action(0.0, 0.0, 0.0, 1.0),
            b'e' => {
                agent.request_reset(vec![Field::new("seed", rand_seed())])?;
                ret = 0.0;
                println!("\r\nnew episode");
                continue;
            }
            b't' => break,
            _ => continue,
        };
        let r = agent.request_step(&a)?;
        ret += r.reward;
        let array = r
            .obs
            .get("array")
            .and_then(Sample::as_f32)
            .map(|a| a.iter().copied().collect::<Vec<_>>())
            .unwrap_or_default();
        println!(
            "\rreward {:+.2}  return {:+.2}  facing target {:+.2}  distance {:.2}  on ground {}",
            r.reward,
            ret,
            array.first().copied().unwrap_or(0.0),
            array.get(1).copied().unwrap_or(0.0) * 30.0,
            array.get(2).copied().unwrap_or(0.0) > 0.5
        );
        if r.terminated || r.truncated {
            println!(
                "\repisode over ({}); press E for a new one",
                if r.terminated { "terminated" } else { "truncated" }
            );
        }
    }
    agent.stop()?;
    Ok(())
}

fn rand_seed() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos() as i64).unwrap_or(0)
}
