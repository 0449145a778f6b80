"""RLlib PPO (new API stack) on the headless SampleScene, rollouts on several env runners.

    python python/examples/rllib_ppo.py                      # 2 env runners x 4 envs, 5 minutes
    python python/examples/rllib_ppo.py --runners 2 --envs-per-runner 8 --minutes 10

Needs `pip install ./python "ray[rllib]==2.*" torch`. Each env runner is a Ray actor that
owns one `ai4u_rs.VectorEnv` (RLlib's `vector_entry_point` mode; RLlib's env runners take
Gymnasium's next-step autoreset as it is, so no adapter is needed) whose headless
SampleScene engines run in the runner's process and connect to the runner's own appserver
on a free port of its own. `--vectorize sync` gives each runner gymnasium's SyncVectorEnv of
`ai4u_rs.Env`s instead (one appserver and engine per sub-environment). The observation
(`array` and `vision`) is flattened to one Box, as RLlib's default model takes a flat Box;
rewards are the engine's, unshaped.

On several machines: `ray start --head` on one, `ray start --address=HEAD:6379` on the
others, then run this with `--address auto`; runners land on every machine. To drive
engines that run elsewhere (Unity or Godot builds) make the env with no scene, e.g.
`ai4u_rs.Env(host="0.0.0.0", port=8080 + ctx.worker_index, token=...)`, and start each
engine with `--ai4u_host=RUNNER_HOST --ai4u_port=... --ai4u_token=...`.
"""

from __future__ import annotations

import argparse
import json
import os
import time


def make_env(ctx):
    """One ai4u_rs.Env (RLlib vectorises it with gymnasium's SyncVectorEnv)."""
    import gymnasium

    import ai4u_rs

    seed = 1000 * getattr(ctx, "worker_index", 0) + getattr(ctx, "vector_index", 0)
    env = ai4u_rs.Env("samplescene", max_steps=ctx.get("max_steps", 500), scene_seed=seed)
    return gymnasium.wrappers.FlattenObservation(env)


def make_vector_env(ctx):
    """An ai4u_rs.VectorEnv of ctx["num_envs"] agents: RLlib's env runner takes Gymnasium's
    next-step autoreset as it is. One engine per agent (see python/README.md on the stall
    of several agents on one SampleScene engine)."""
    from gymnasium.wrappers.vector import FlattenObservation

    import ai4u_rs

    n = ctx["num_envs"]
    # RLlib passes a plain dict here (no worker index): the process id tells runners apart.
    venv = ai4u_rs.VectorEnv(n, "samplescene", instances=n, max_steps=ctx.get("max_steps", 500), scene_seed=os.getpid())
    return FlattenObservation(venv)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runners", type=int, default=2, help="remote env runners (Ray actors)")
    p.add_argument("--envs-per-runner", type=int, default=4)
    p.add_argument(
        "--vectorize",
        choices=["vector", "sync"],
        default="vector",
        help="vector: one ai4u_rs.VectorEnv per runner; sync: gymnasium's SyncVectorEnv of ai4u_rs.Env",
    )
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--iterations", type=int, default=1000)
    p.add_argument("--max-steps", type=int, default=500)
    p.add_argument("--batch", type=int, default=4000, help="train_batch_size_per_learner")
    p.add_argument("--num-cpus", type=int, default=2)
    p.add_argument("--address", default=None, help="a running Ray cluster (`auto`), else a local one")
    p.add_argument("--out", default=None, help="write the per-iteration figures as JSON here")
    args = p.parse_args()

    import ray
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.tune.registry import register_env

    if args.address:
        ray.init(address=args.address)
    else:
        ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    register_env("ai4u_samplescene", make_vector_env if args.vectorize == "vector" else make_env)
    config = (
        PPOConfig()
        .environment("ai4u_samplescene", env_config={"max_steps": args.max_steps})
        .env_runners(
            num_env_runners=args.runners,
            num_envs_per_env_runner=args.envs_per_runner,
            gym_env_vectorize_mode="vector_entry_point" if args.vectorize == "vector" else "sync",
            num_cpus_per_env_runner=args.num_cpus / max(args.runners + 1, 2),
        )
        .learners(num_learners=0)
        .training(
            train_batch_size_per_learner=args.batch,
            minibatch_size=500,
            num_epochs=5,
            lr=3e-4,
            gamma=0.99,
            lambda_=0.95,
        )
    )
    algo = config.build_algo()
    start = time.perf_counter()
    rows = []
    for it in range(args.iterations):
        r = algo.train()
        er = r.get("env_runners", {})
        row = {
            "iteration": it + 1,
            "seconds": round(time.perf_counter() - start, 1),
            "env_steps": int(r.get("num_env_steps_sampled_lifetime", er.get("num_env_steps_sampled_lifetime", 0))),
            "episode_return_mean": er.get("episode_return_mean"),
            "episode_len_mean": er.get("episode_len_mean"),
        }
        rows.append(row)
        ret = row["episode_return_mean"]
        print(
            f"  iter {row['iteration']:3d} {row['seconds']:7.1f} s  {row['env_steps']:>8} env steps "
            f"({row['env_steps'] / row['seconds']:.0f}/s)  return {'n/a' if ret is None else f'{ret:7.2f}'}  "
            f"length {row['episode_len_mean']}",
            flush=True,
        )
        if time.perf_counter() - start > args.minutes * 60:
            break
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=2)
    algo.stop()
    ray.shutdown()


if __name__ == "__main__":
    main()
