"""The Gymnasium VectorEnv over several agents and engine instances."""

import numpy as np
from gymnasium.vector import AutoresetMode

import ai4u_rs


def test_eight_agents_over_two_engines():
    env = ai4u_rs.VectorEnv(8, "samplescene", instances=2, max_steps=5)
    try:
        assert env.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
        assert env.num_envs == 8
        assert env.observation_space["array"].shape == (8, 7)
        assert env.action_space.shape == (8, 4)
        obs, infos = env.reset(seed=5)
        assert obs["array"].shape == (8, 7) and obs["vision"].shape == (8, 10, 10, 1)
        assert obs in env.observation_space
        assert infos == {}
        # Seeds s + i: every agent starts differently, across both engines.
        assert len({tuple(row) for row in obs["array"]}) == 8
        zero = np.zeros((8, 4), np.float32)
        done = np.zeros(8, bool)
        for _ in range(5):
            obs, rewards, term, trunc, _ = env.step(zero)
            assert rewards.shape == (8,) and term.dtype == bool
            done |= term | trunc
        assert done.all(), "max_steps=5 ends every episode within 5 steps"
        # Next-step autoreset: the step after the end resets, reward 0, flags false.
        obs, rewards, term, trunc, _ = env.step(zero)
        np.testing.assert_array_equal(rewards, 0.0)
        assert not term.any() and not trunc.any()
        assert obs in env.observation_space
    finally:
        env.close()


def test_vector_reset_is_seeded():
    env = ai4u_rs.VectorEnv(4, "samplescene", instances=2)
    try:
        a, _ = env.reset(seed=9)
        env.step(env.action_space.sample())
        b, _ = env.reset(seed=9)
        np.testing.assert_array_equal(a["array"], b["array"])
        np.testing.assert_array_equal(a["vision"], b["vision"])
    finally:
        env.close()


def test_vector_infos_follow_gymnasium_layout():
    env = ai4u_rs.VectorEnv(2, "samplescene", info=True)
    try:
        _, infos = env.reset(seed=0)
        assert infos["array"].shape == (2, 7)
        assert infos["_array"].tolist() == [True, True]
    finally:
        env.close()


def test_four_agents_on_one_engine():
    # Random actions end episodes in mid-decision (forward jumps off the platform); with
    # four agents on one engine that used to stall the batch (python/README.md, "Fixed").
    env = ai4u_rs.VectorEnv(4, "samplescene", instances=1, max_steps=300, step_timeout=20.0)
    try:
        env.reset(seed=1)
        env.action_space.seed(3)
        ends = 0
        for _ in range(1500):
            _, _, term, trunc, _ = env.step(env.action_space.sample())
            ends += int((term | trunc).sum())
        assert ends >= 10, f"only {ends} episode ends"
    finally:
        env.close()
