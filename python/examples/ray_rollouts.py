"""Rollouts on Ray: N actors, each with its own ai4u_rs.VectorEnv over its own headless engines.

    python python/examples/ray_rollouts.py                      # 1, 2 and 4 actors, 16 agents each
    python python/examples/ray_rollouts.py --actors 1 2 --agents 32 --steps 512

Needs `pip install ./python "ray==2.*"` (no torch). Each actor owns a VectorEnv whose
SampleScene engines (--instances of them, default one per agent) run in the actor's
process and connect to the actor's own appserver on a free port of its own, so actors
share nothing. Every round the driver broadcasts the policy's weights (a linear Gaussian
policy in numpy, as a trainer would broadcast its network) and each actor returns a batch
of --steps steps of all its agents (observations, actions, rewards, terminated, truncated
as numpy arrays).

It prints agent-steps per second, aggregated over the actors, for each actor count, and the
same loop on one VectorEnv in the driver's process without Ray (the baseline, same run).

On several machines: start `ray start --head` on one and `ray start --address=HEAD:6379` on
the others; each actor then runs wherever Ray places it, with its engines next to it. To
drive engines that run elsewhere instead (Unity or Godot builds), give the VectorEnv no
scene and a `host`, `port` and `token`: the engines connect with `--ai4u_host`,
`--ai4u_port`, `--ai4u_token` (or `ai4u-sim --host H --port P --token T`).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def policy_actions(obs, weights, rng):
    """A linear Gaussian policy on the `array` input, clipped to the move action's range."""
    mean = obs["array"] @ weights["w"] + weights["b"]
    a = mean + rng.standard_normal(mean.shape).astype(np.float32) * weights["std"]
    return np.clip(a, weights["low"], weights["high"]).astype(np.float32)


class Collector:
    """What each actor runs (also run without Ray for the baseline)."""

    def __init__(self, agents: int, instances: int, max_steps: int, seed: int):
        import ai4u_rs

        self.env = ai4u_rs.VectorEnv(agents, "samplescene", instances=instances, max_steps=max_steps, scene_seed=seed)
        self.obs, _ = self.env.reset(seed=seed * 10_000)
        self.rng = np.random.default_rng(seed)

    def address(self) -> str:
        return self.env.address

    def rollout(self, weights: dict, steps: int) -> dict:
        n = self.env.num_envs
        out = {
            "array": np.empty((steps, n, 7), np.float32),
            "vision": np.empty((steps, n, 10, 10, 1), np.float32),
            "actions": np.empty((steps, n, 4), np.float32),
            "rewards": np.empty((steps, n), np.float32),
            "terminated": np.empty((steps, n), bool),
            "truncated": np.empty((steps, n), bool),
        }
        t = time.perf_counter()
        for s in range(steps):
            a = policy_actions(self.obs, weights, self.rng)
            out["array"][s], out["vision"][s], out["actions"][s] = self.obs["array"], self.obs["vision"], a
            self.obs, r, term, trunc, _ = self.env.step(a)
            out["rewards"][s], out["terminated"][s], out["truncated"][s] = r, term, trunc
        out["seconds"] = time.perf_counter() - t
        return out

    def close(self):
        self.env.close()


def initial_weights(rng) -> dict:
    return {
        "w": (rng.standard_normal((7, 4)) * 0.1).astype(np.float32),
        "b": np.zeros(4, np.float32),
        "std": np.float32(0.5),
        "low": np.array([-1, -1, 0, 0], np.float32),
        "high": np.ones(4, np.float32),
    }


def measure(collectors, remote: bool, weights, steps: int, rounds: int) -> tuple[float, int]:
    """Agent-steps per second over `rounds` rounds after one warm-up round, driver-timed
    (includes shipping the batches back), and the episodes ended."""
    import ray

    def one_round(w):
        if remote:
            return ray.get([c.rollout.remote(w, steps) for c in collectors])
        return [c.rollout(w, steps) for c in collectors]

    w = ray.put(weights) if remote else weights
    one_round(w)
    t = time.perf_counter()
    total, episodes = 0, 0
    for _ in range(rounds):
        for b in one_round(w):
            total += b["rewards"].size
            episodes += int((b["terminated"] | b["truncated"]).sum())
    return total / (time.perf_counter() - t), episodes


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--actors", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--agents", type=int, default=16, help="agents per actor's VectorEnv")
    p.add_argument(
        "--instances", type=int, default=0, help="engines per actor (0: one per agent; see the README on why)"
    )
    p.add_argument("--steps", type=int, default=256, help="steps per rollout batch")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--max-steps", type=int, default=500)
    p.add_argument("--num-cpus", type=int, default=2, help="ray.init(num_cpus=...)")
    args = p.parse_args()
    args.instances = args.instances or args.agents

    import ray

    ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    weights = initial_weights(np.random.default_rng(0))
    print(f"{args.agents} agents per VectorEnv, {args.instances} engine(s) each, batches of {args.steps} steps")

    base = Collector(args.agents, args.instances, args.max_steps, seed=99)
    base_rate, _ = measure([base], False, weights, args.steps, args.rounds)
    base.close()
    print(f"  no Ray, 1 VectorEnv in the driver: {base_rate:9.0f} agent-steps/s")

    RemoteCollector = ray.remote(Collector)
    for k in args.actors:
        # Fractional CPUs so that k actors fit in num_cpus whatever k is.
        actors = [
            RemoteCollector.options(num_cpus=args.num_cpus / max(k, args.num_cpus)).remote(
                args.agents, args.instances, args.max_steps, seed=i + 1
            )
            for i in range(k)
        ]
        addresses = ray.get([a.address.remote() for a in actors])
        rate, episodes = measure(actors, True, weights, args.steps, args.rounds)
        print(
            f"  {k} actor(s) ({k * args.agents:>3} agents, servers on {', '.join(addresses)}): "
            f"{rate:9.0f} agent-steps/s  ({rate / base_rate:.2f}x the driver-only loop, {episodes} episodes ended)"
        )
        ray.get([a.close.remote() for a in actors])
        for a in actors:
            ray.kill(a)
    ray.shutdown()


if __name__ == "__main__":
    main()
