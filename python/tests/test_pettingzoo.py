"""PettingZoo's API checks on the parallel environment and its AEC view."""

import numpy as np
from pettingzoo.test import api_test, parallel_api_test

import ai4u_rs


def test_parallel_api_test_passes():
    env = ai4u_rs.ParallelEnv(4, "samplescene", instances=2, max_steps=30)
    try:
        parallel_api_test(env, num_cycles=100)
    finally:
        env.close()


def test_agents_leave_when_their_episode_ends():
    env = ai4u_rs.ParallelEnv(2, "samplescene", max_steps=3)
    try:
        obs, infos = env.reset(seed=1)
        assert env.agents == ["0", "1"] and set(obs) == {"0", "1"}
        for _ in range(3):
            _, _, term, trunc, _ = env.step({a: np.zeros(4, np.float32) for a in env.agents})
        assert all(trunc.values()) and env.agents == []
    finally:
        env.close()


def test_aec_view_passes_api_test():
    env = ai4u_rs.aec_env(2, "samplescene", max_steps=20)
    try:
        api_test(env, num_cycles=50)
    finally:
        env.close()
