"""Steps per second of the Python environments next to the same loop in Rust, same run.

    python bench/bench_step.py [--seconds 2] [--width 8] [--scene echo|samplescene] [--pinning none|core0|both]

The engine is in-process (``ai4u-sim``'s echo scene by default: no physics, so the figures
are the stack's own), lockstep, frame skip 1, no episode limit (an episode that ends anyway
is reset, on both sides). "Rust" is
``ai4u_rs._core.rust_step_rate``: the same appserver, controller and engine driven by a
Rust loop that never enters Python. Each case is measured twice, alternating, and the
better figure of each side is kept. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

import ai4u_rs
from ai4u_rs import _core


def rate(seconds: float, warm: int, step) -> float:
    for _ in range(warm):
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(20):
            step()
        n += 20
    return n / (time.perf_counter() - start)


def python_env(a) -> float:
    env = ai4u_rs.Env(a.scene, width=a.width, frame_skip=1, max_steps=0, info=False)
    env.action_space.seed(1)
    action = env.action_space.sample()
    env.reset(seed=0)

    def step():
        # Episodes can end (the SampleScene agent may walk off); both sides then reset.
        _, _, term, trunc, _ = env.step(action)
        if term or trunc:
            env.reset()

    r = rate(a.seconds, 200, step)
    env.close()
    return r


def python_vector(a, n: int) -> float:
    env = ai4u_rs.VectorEnv(n, a.scene, width=a.width, frame_skip=1, max_steps=0)
    env.single_action_space.seed(1)
    actions = np.stack([env.single_action_space.sample()] * n)
    env.reset(seed=0)
    r = rate(a.seconds, 50, lambda: env.step(actions))
    env.close()
    return r


def best_of_two(py, rust) -> tuple[float, float]:
    p1, r1, p2, r2 = py(), rust(), py(), rust()
    return max(p1, p2), max(r1, r2)


def measure(a, label: str) -> None:
    print(f"ai4u_rs bench, pinning: {label}, scene {a.scene}, {a.width} floats per action")
    print(f"{'case':<28} {'python steps/s':>15} {'rust steps/s':>13} {'rust/python':>12}")
    cases = [
        ("Env.step, 1 agent", lambda: python_env(a), lambda: _core.rust_step_rate(a.scene, 1, a.seconds, a.width)),
        (
            f"VectorEnv.step, {a.agents} agents",
            lambda: python_vector(a, a.agents),
            lambda: _core.rust_step_rate(a.scene, a.agents, a.seconds, a.width),
        ),
    ]
    for name, py, rust in cases:
        p, r = best_of_two(py, rust)
        print(f"{name:<28} {p:>15.0f} {r:>13.0f} {r / p:>11.2f}x")
    print(f"(VectorEnv: one step is {a.agents} agent-steps)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--width", type=int, default=8)
    ap.add_argument("--agents", type=int, default=64)
    ap.add_argument("--scene", default="echo", choices=["echo", "samplescene"])
    ap.add_argument("--pinning", default="both", choices=["none", "core0", "both"])
    a = ap.parse_args()
    if a.pinning == "core0" and os.environ.get("AI4U_BENCH_PINNED") != "1":
        env = {**os.environ, "AI4U_BENCH_PINNED": "1"}
        sys.exit(subprocess.call(["taskset", "-c", "0", sys.executable, *sys.argv], env=env))
    if a.pinning in ("none", "both"):
        measure(a, "none (as scheduled)")
    if a.pinning == "both":
        print()
        sys.stdout.flush()
        args = ["--seconds", str(a.seconds), "--width", str(a.width), "--agents", str(a.agents), "--scene", a.scene]
        env = {**os.environ, "AI4U_BENCH_PINNED": "1"}
        subprocess.check_call(["taskset", "-c", "0", sys.executable, sys.argv[0], *args, "--pinning", "core0"], env=env)
    elif a.pinning == "core0":
        measure(a, "taskset -c 0 (every thread on one core)")


if __name__ == "__main__":
    main()
