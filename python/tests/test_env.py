"""The single-agent Gymnasium environment against the in-process SampleScene."""

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import ai4u_rs


def test_check_env_passes_on_the_registered_env():
    env = gymnasium.make("ai4u_rs/Remote-v0", scene="samplescene", max_steps=50)
    try:
        check_env(env.unwrapped)
    finally:
        env.close()


def test_spaces_come_from_the_engine_metadata(sample_env):
    obs_space, act_space = sample_env.observation_space, sample_env.action_space
    assert isinstance(obs_space, gymnasium.spaces.Dict)
    assert list(obs_space.spaces) == ["array", "vision"]
    assert obs_space["array"] == gymnasium.spaces.Box(-1.0, 1.0, (7,), np.float32)
    np.testing.assert_array_equal(act_space.low, [-1, -1, 0, 0])
    np.testing.assert_array_equal(act_space.high, [1, 1, 1, 1])
    assert act_space.dtype == np.float32


def test_vision_arrives_as_an_hwc_array(sample_env):
    obs, info = sample_env.reset(seed=3)
    assert obs["vision"].shape == (10, 10, 1)
    assert obs["vision"].dtype == np.float32
    assert obs in sample_env.observation_space
    # The info holds the engine's raw fields, the same grid.
    np.testing.assert_array_equal(info["vision"], obs["vision"])
    # The scene codes floor, agent, target and nothing; a fresh agent stands on its floor.
    assert set(np.unique(obs["vision"])) <= {0.0, 50.0, 100.0, 200.0}
    assert (obs["vision"] == 50.0).any()


def _trajectory(env, seed, steps=40):
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    out = [obs["array"].copy()]
    rewards = []
    for _ in range(steps):
        obs, r, term, trunc, _ = env.step(env.action_space.sample())
        out.append(obs["array"].copy())
        rewards.append(r)
        if term or trunc:
            break
    return np.array(out), np.array(rewards)


def test_same_seed_same_trajectory(sample_env):
    a_obs, a_rew = _trajectory(sample_env, 11)
    b_obs, b_rew = _trajectory(sample_env, 11)
    np.testing.assert_array_equal(a_obs, b_obs)
    np.testing.assert_array_equal(a_rew, b_rew)
    c_obs, _ = _trajectory(sample_env, 12)
    assert not np.array_equal(a_obs[0], c_obs[0]), "another seed should start elsewhere"


def test_episode_is_truncated_at_max_steps():
    env = ai4u_rs.Env("samplescene", max_steps=5)
    try:
        env.reset(seed=0)
        flags = [env.step(np.zeros(4, np.float32))[2:4] for _ in range(5)]
        assert flags[-1] == (False, True)
        assert all(f == (False, False) for f in flags[:-1])
    finally:
        env.close()


def test_step_returns_python_scalars(sample_env):
    sample_env.reset(seed=0)
    obs, reward, terminated, truncated, info = sample_env.step([1.0, 0.0, 0.0, 0.0])
    assert isinstance(reward, float) and reward == pytest.approx(-0.01)
    assert terminated is False and truncated is False
    assert isinstance(info, dict)


def test_close_twice_is_allowed():
    env = ai4u_rs.Env("samplescene")
    env.close()
    env.close()


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_waits_for_an_engine_that_connects():
    port = _free_port()
    # The engine keeps trying to connect until the environment listens.
    engine = ai4u_rs.Engine(f"127.0.0.1:{port}", "samplescene", token="t")
    env = ai4u_rs.Env(port=port, token="t", connect_timeout=20)
    try:
        assert env.address == f"127.0.0.1:{port}"
        obs, _ = env.reset(seed=2)
        assert obs["vision"].shape == (10, 10, 1)
        env.step(env.action_space.sample())
    finally:
        env.close()
    engine.check()


def test_vector_env_waits_for_engines_with_its_ids():
    port = _free_port()
    engine = ai4u_rs.Engine(f"127.0.0.1:{port}", "samplescene", agents=3)
    env = ai4u_rs.VectorEnv(ids=["0", "1", "2"], port=port, connect_timeout=20)
    try:
        obs, _ = env.reset(seed=0)
        assert obs["array"].shape == (3, 7)
        env.step(env.action_space.sample())
    finally:
        env.close()
    engine.check()


def test_camera_images_arrive_as_uint8_hwc_arrays():
    # The same scene with its vision grid sent as a raw uint8 image, as a camera sensor is.
    cam = ai4u_rs.Env("samplescene-image")
    grid = ai4u_rs.Env("samplescene")
    try:
        assert cam.observation_space["vision"] == gymnasium.spaces.Box(0, 255, (10, 10, 1), np.uint8)
        obs, info = cam.reset(seed=4)
        assert obs["vision"].dtype == np.uint8 and obs["vision"].shape == (10, 10, 1)
        assert info["vision"].dtype == np.uint8 and info["vision"].shape == (10, 10, 1)
        assert obs in cam.observation_space
        ref, _ = grid.reset(seed=4)
        np.testing.assert_array_equal(obs["vision"], ref["vision"].astype(np.uint8))
    finally:
        cam.close()
        grid.close()
