"""Train Stable-Baselines3 PPO on the headless SampleScene through ai4u_rs.

    python python/examples/train_sb3.py                          # VectorEnv of 16 agents
    python python/examples/train_sb3.py --mode single            # one ai4u_rs.Env
    python python/examples/train_sb3.py --mode reference --timesteps 65536   # pure-Python env, for speed

Needs `pip install ./python stable-baselines3 matplotlib` (torch comes with SB3).

The task is SampleScene's own (docs/SAMPLESCENE.md): reward -0.01 per decision, +10 for
touching the cube (success, the episode terminates), -1 for falling off; episodes are cut
at --max-steps decisions. Nothing is shaped: the script uses the generic controller's
observation (the `array` and `vision` inputs) and the engine's rewards as they come.
SB3's VecNormalize normalises observations and rewards for the learner; every figure
printed is in raw engine rewards.

Before and after training it evaluates on separate engines (another scene seed): the
random policy (uniform actions), the untrained and the trained PPO policy (deterministic),
each over --eval-episodes episodes, and prints mean return and success rate. It saves the
model, the VecNormalize statistics, the learning curve (CSV and PNG) and a JSON summary
into --out.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import gymnasium
import numpy as np

import ai4u_rs
from ai4u_rs.sb3 import SB3VecEnv


def make_train_env(args):
    from stable_baselines3.common.vec_env import DummyVecEnv

    if args.mode == "vector":
        # One agent per engine by default: several agents on one SampleScene engine stall
        # after a few hundred episode ends (reported in the README; not an adapter issue).
        venv = ai4u_rs.VectorEnv(
            args.envs, "samplescene", instances=args.instances, max_steps=args.max_steps, scene_seed=args.seed
        )
        return SB3VecEnv(venv)
    if args.mode == "single":
        return DummyVecEnv([lambda: ai4u_rs.Env("samplescene", max_steps=args.max_steps, scene_seed=args.seed)])
    from reference_env import ReachEnv

    return DummyVecEnv(
        [
            lambda i=i: gymnasium.wrappers.TimeLimit(ReachEnv(seed=args.seed + i), args.max_steps)
            for i in range(args.envs)
        ]
    )


def with_success(vec):
    """Marks each finished episode's info with `is_success` (the cube was touched: the
    episode terminated with SampleScene's +10), which SB3 logs as rollout/success_rate."""
    from stable_baselines3.common.vec_env import VecEnvWrapper

    class Success(VecEnvWrapper):
        def reset(self):
            return self.venv.reset()

        def step_wait(self):
            obs, rewards, dones, infos = self.venv.step_wait()
            for i in np.flatnonzero(dones):
                infos[i]["is_success"] = bool(not infos[i].get("TimeLimit.truncated", False) and rewards[i] > 0)
            return obs, rewards, dones, infos

    return Success(vec)


def evaluate(venv, act, episodes_per_env: int, seed: int) -> dict:
    """Runs every sub-environment of an ai4u_rs.VectorEnv for exactly `episodes_per_env`
    episodes (so short episodes are not over-counted) under the next-step autoreset."""
    n = venv.num_envs
    obs, _ = venv.reset(seed=seed)
    ret = np.zeros(n)
    length = np.zeros(n, dtype=int)
    count = np.zeros(n, dtype=int)
    resetting = np.zeros(n, dtype=bool)
    returns, successes, lengths = [], [], []
    while (count < episodes_per_env).any():
        obs, r, term, trunc, _ = venv.step(act(obs))
        for i in range(n):
            if resetting[i]:
                resetting[i] = False
                ret[i], length[i] = 0.0, 0
                continue
            ret[i] += r[i]
            length[i] += 1
            if term[i] or trunc[i]:
                if count[i] < episodes_per_env:
                    returns.append(ret[i])
                    successes.append(bool(term[i] and r[i] > 0))
                    lengths.append(length[i])
                    count[i] += 1
                resetting[i] = True
    return {
        "episodes": len(returns),
        "mean_return": float(np.mean(returns)),
        "std_return": float(np.std(returns)),
        "success_rate": float(np.mean(successes)),
        "mean_length": float(np.mean(lengths)),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=["vector", "single", "reference"], default="vector")
    p.add_argument("--envs", type=int, default=16, help="agents of the VectorEnv (vector, reference)")
    p.add_argument(
        "--instances", type=int, default=0, help="in-process engines sharing the agents (vector; 0: one per agent)"
    )
    p.add_argument("--timesteps", type=int, default=2_000_000, help="agent-steps of training at most")
    p.add_argument("--minutes", type=float, default=9.0, help="wall-clock budget of training")
    p.add_argument("--max-steps", type=int, default=500, help="decisions per episode before truncation")
    p.add_argument("--n-steps", type=int, default=0, help="PPO rollout length per env (0: 4096 / envs)")
    p.add_argument("--eval-envs", type=int, default=10)
    p.add_argument("--eval-episodes", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--out", default="sb3_samplescene")
    args = p.parse_args()

    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.vec_env import VecMonitor, VecNormalize

    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    n_envs = 1 if args.mode == "single" else args.envs
    n_steps = args.n_steps or max(64, 4096 // n_envs)
    args.instances = args.instances or args.envs

    train = VecNormalize(VecMonitor(with_success(make_train_env(args)), info_keywords=("is_success",)), gamma=0.99)
    model = PPO(
        "MultiInputPolicy",
        train,
        n_steps=n_steps,
        batch_size=min(512, n_envs * n_steps),
        n_epochs=5,
        learning_rate=3e-4,
        gamma=0.99,
        gae_lambda=0.95,
        clip_range=0.2,
        policy_kwargs={"net_arch": [64, 64]},
        seed=args.seed,
        verbose=0,
        device="cpu",
    )

    evaluation = args.mode != "reference"
    if evaluation:
        eval_env = ai4u_rs.VectorEnv(
            args.eval_envs,
            "samplescene",
            instances=args.eval_envs,
            max_steps=args.max_steps,
            scene_seed=args.seed + 1000,
        )
        per_env = max(1, args.eval_episodes // args.eval_envs)

        def ppo_act(obs):
            return model.predict(train.normalize_obs(obs), deterministic=True)[0]

        t = time.perf_counter()
        random_policy = evaluate(eval_env, lambda obs: eval_env.action_space.sample(), per_env, seed=10_000)
        untrained = evaluate(eval_env, ppo_act, per_env, seed=10_000)
        print(f"random policy:    {fmt(random_policy)}")
        print(f"untrained PPO:    {fmt(untrained)}  ({time.perf_counter() - t:.0f} s of evaluation)")

    curve = []
    start = time.perf_counter()

    class Curve(BaseCallback):
        def _on_step(self) -> bool:
            return time.perf_counter() - start < args.minutes * 60

        def _on_rollout_end(self) -> None:
            m = self.model
            if m.ep_info_buffer:
                row = (
                    m.num_timesteps,
                    round(time.perf_counter() - start, 1),
                    float(np.mean([e["r"] for e in m.ep_info_buffer])),
                    float(np.mean(m.ep_success_buffer)) if m.ep_success_buffer else 0.0,
                    float(np.mean([e["l"] for e in m.ep_info_buffer])),
                )
                curve.append(row)
                print(
                    f"  {row[0]:>9} steps {row[1]:>7.1f} s  return {row[2]:7.2f}  success {row[3]:5.0%}  length {row[4]:6.1f}",
                    flush=True,
                )

    model.learn(total_timesteps=args.timesteps, callback=Curve())
    wall = time.perf_counter() - start
    steps = model.num_timesteps
    print(f"trained {steps} agent-steps in {wall:.1f} s: {steps / wall:.0f} steps/s ({args.mode}, {n_envs} envs)")

    summary = {
        "mode": args.mode,
        "envs": n_envs,
        "instances": args.instances if args.mode == "vector" else 1,
        "max_steps": args.max_steps,
        "timesteps": steps,
        "train_seconds": round(wall, 1),
        "train_steps_per_s": round(steps / wall),
        "torch_threads": args.threads,
    }
    if evaluation:
        train.training = False
        trained = evaluate(eval_env, ppo_act, per_env, seed=10_000)
        print(f"trained PPO:      {fmt(trained)}")
        summary.update(random=random_policy, untrained=untrained, trained=trained)
        eval_env.close()
        model.save(os.path.join(args.out, "ppo_samplescene"))
        train.save(os.path.join(args.out, "vecnormalize.pkl"))
    with open(os.path.join(args.out, f"summary_{args.mode}.json"), "w") as f:
        json.dump(summary, f, indent=2)
    with open(os.path.join(args.out, f"curve_{args.mode}.csv"), "w") as f:
        f.write("timesteps,seconds,mean_return,success_rate,mean_length\n")
        f.writelines(",".join(str(x) for x in row) + "\n" for row in curve)
    if evaluation and curve:
        plot(curve, summary, os.path.join(args.out, f"curve_{args.mode}.png"))
    train.close()


def fmt(r: dict) -> str:
    return (
        f"mean return {r['mean_return']:7.2f} ± {r['std_return']:.2f}, success {r['success_rate']:5.1%}, "
        f"mean length {r['mean_length']:6.1f} over {r['episodes']} episodes"
    )


def plot(curve, summary, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = np.array(curve)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    a.plot(c[:, 0], c[:, 3] * 100, label="training episodes (last 100)")
    a.axhline(summary["random"]["success_rate"] * 100, color="grey", ls="--", label="random policy (eval)")
    a.axhline(summary["trained"]["success_rate"] * 100, color="green", ls=":", label="trained, deterministic (eval)")
    a.set_xlabel("agent-steps")
    a.set_ylabel("success rate (%)")
    a.set_ylim(-2, 102)
    a.legend(fontsize=8, loc="lower right")
    b.plot(c[:, 0], c[:, 2])
    b.axhline(summary["random"]["mean_return"], color="grey", ls="--")
    b.set_xlabel("agent-steps")
    b.set_ylabel("mean episode return")
    fig.suptitle(
        f"PPO on SampleScene via ai4u_rs ({summary['mode']}, {summary['envs']} agents): "
        f"{summary['timesteps']} steps in {summary['train_seconds']:.0f} s"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    print(f"learning curve: {path}")


if __name__ == "__main__":
    main()
