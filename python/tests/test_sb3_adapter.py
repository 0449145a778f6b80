"""The SB3-facing converter (ai4u_rs.sb3.SameStepAutoreset) on a real VectorEnv; no torch."""

import numpy as np
import pytest

import ai4u_rs
from ai4u_rs.sb3 import SameStepAutoreset


@pytest.fixture
def conv():
    c = SameStepAutoreset(ai4u_rs.VectorEnv(4, "samplescene", instances=2, max_steps=3))
    yield c
    c.close()


def test_episode_end_follows_sb3_contract(conv):
    walk = np.tile(np.array([1.0, 0.0, 0.0, 0.0], np.float32), (4, 1))
    first = conv.reset(seed=3)
    before = {k: v.copy() for k, v in first.items()}
    for step in range(3):
        obs, rewards, dones, infos = conv.step(walk)
        assert rewards.dtype == np.float32 and dones.dtype == bool
        assert obs["array"].shape == (4, 7) and obs["vision"].shape == (4, 10, 10, 1)
        if step < 2:
            assert not dones.any()
            assert all("terminal_observation" not in i for i in infos)
    # max_steps=3: the third step truncates every episode (0.96 m of walking reaches
    # neither a cube 4 m away nor an edge).
    assert dones.all()
    for i, info in enumerate(infos):
        assert info["TimeLimit.truncated"] is True
        term = info["terminal_observation"]
        assert set(term) == {"array", "vision"} and term["array"].shape == (7,)
        # In place of the next episode's first observation (not there yet): this one's first.
        np.testing.assert_array_equal(obs["array"][i], before["array"][i])
        np.testing.assert_array_equal(obs["vision"][i], before["vision"][i])
        assert not np.array_equal(term["array"], before["array"][i]), "the agent walked"
    # The next step is the engine's reset: reward 0, not done, the new episode's first obs.
    obs, rewards, dones, infos = conv.step(walk)
    np.testing.assert_array_equal(rewards, 0.0)
    assert not dones.any()
    assert all(i.get("ai4u_autoreset") is True for i in infos)
    fresh = {k: v.copy() for k, v in obs.items()}
    # ...and that observation is what the following episode end puts back.
    for _ in range(3):
        obs, _, dones, infos = conv.step(walk)
    assert dones.all()
    np.testing.assert_array_equal(obs["array"], fresh["array"])
    assert all("ai4u_autoreset" not in i for i in infos)


def test_terminal_observation_is_the_engine_last_observation():
    raw = ai4u_rs.VectorEnv(2, "samplescene", max_steps=2)
    conv = SameStepAutoreset(ai4u_rs.VectorEnv(2, "samplescene", max_steps=2))
    try:
        raw.reset(seed=11)
        conv.reset(seed=11)
        act = np.array([[1.0, 0.5, 0.0, 0.0], [0.5, -1.0, 0.0, 0.0]], np.float32)
        for _ in range(2):
            r_obs, r_rew, *_ = raw.step(act)
            _, c_rew, dones, infos = conv.step(act)
        assert dones.all()
        np.testing.assert_allclose(c_rew, r_rew)
        for i in range(2):
            np.testing.assert_array_equal(infos[i]["terminal_observation"]["array"], r_obs["array"][i])
            np.testing.assert_array_equal(infos[i]["terminal_observation"]["vision"], r_obs["vision"][i])
    finally:
        raw.close()
        conv.close()


def test_seeded_reset_is_repeatable(conv):
    a = conv.reset(seed=21)
    conv.step(np.ones((4, 4), np.float32))
    b = conv.reset(seed=21)
    np.testing.assert_array_equal(a["array"], b["array"])
