"""Rust errors reach Python as the ai4u_rs exception classes, with the Rust messages."""

import os
import signal
import threading

import numpy as np
import pytest

import ai4u_rs


def test_hierarchy():
    for cls in (ai4u_rs.Ai4uTimeoutError, ai4u_rs.DisconnectedError, ai4u_rs.RefusedError, ai4u_rs.UsageError):
        assert issubclass(cls, ai4u_rs.Ai4uError)
    assert issubclass(ai4u_rs.Ai4uError, Exception)


def test_refused_token():
    with pytest.raises(ai4u_rs.RefusedError, match="the controller rejected the connection: wrong or missing auth token"):
        ai4u_rs.Env("samplescene", token="secret", engine_token="wrong", connect_timeout=20)


def test_right_token_is_accepted():
    env = ai4u_rs.Env("samplescene", token="secret")
    env.reset(seed=0)
    env.close()


def test_connect_timeout_without_engine():
    with pytest.raises(ai4u_rs.Ai4uTimeoutError) as e:
        ai4u_rs.Env(port=0, connect_timeout=0.3)
    assert str(e.value).startswith("no engine configured agent(s) 0 within 0.3 s (waiting on 127.0.0.1:")


def test_controller_refuses_a_foreign_scene():
    with pytest.raises(ai4u_rs.RefusedError, match="is not a SampleScene agent"):
        ai4u_rs.Env("echo", controller="samplescene", connect_timeout=20)


def test_stopped_engine_is_a_disconnect():
    env = ai4u_rs.Env("samplescene")
    try:
        env.reset(seed=0)
        env.step(np.zeros(4, np.float32))
        env._server.kill_engines()
        with pytest.raises(ai4u_rs.DisconnectedError, match=r"^engine of agent `0` disconnected: "):
            for _ in range(3):
                env.step(np.zeros(4, np.float32))
    finally:
        env.close()


def test_stalled_engine_is_a_step_timeout():
    env = ai4u_rs.Env("samplescene", step_timeout=0.5)
    try:
        env.reset(seed=0)
        env._server.stall_engines()
        with pytest.raises(
            ai4u_rs.Ai4uTimeoutError, match=r"^agent `0`: no answer from the engine within 0\.5 s while waiting for "
        ):
            for _ in range(3):
                env.step(np.zeros(4, np.float32))
    finally:
        env._server.kill_engines()
        env.close()


def test_port_in_use():
    first = ai4u_rs.Env("samplescene")
    try:
        port = first.address.rsplit(":", 1)[1]
        with pytest.raises(ai4u_rs.Ai4uError, match=f"^cannot listen on 127.0.0.1:{port}: "):
            ai4u_rs.Env("samplescene", port=int(port))
    finally:
        first.close()


def test_bad_action_is_a_usage_error_and_the_env_goes_on(sample_env):
    sample_env.reset(seed=0)
    with pytest.raises(ai4u_rs.UsageError, match="is not in the action space"):
        sample_env.step(np.zeros(3, np.float32))
    sample_env.step(np.zeros(4, np.float32))


def test_step_before_reset_is_a_usage_error(sample_env):
    with pytest.raises(ai4u_rs.UsageError, match="has no running episode: call request_reset first"):
        sample_env.step(np.zeros(4, np.float32))


def test_bad_mode_is_a_usage_error():
    with pytest.raises(ai4u_rs.UsageError, match="mode must be `lockstep` or `realtime`"):
        ai4u_rs.Env("samplescene", mode="fast")


def _interrupt_soon():
    threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()


def test_ctrl_c_interrupts_waiting_for_an_engine():
    _interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        ai4u_rs.Env(port=0, connect_timeout=60)


class _Stalling(ai4u_rs.Controller):
    """Holds the step in its reward callback until released, like a stalled engine."""

    def __init__(self):
        self.release = threading.Event()
        self.finished = False

    def reward(self, reward, info):
        self.release.wait(30)
        self.finished = True
        return reward


def test_ctrl_c_interrupts_a_blocking_step():
    ctl = _Stalling()
    env = ai4u_rs.Env("samplescene", controller=ctl)
    try:
        env.reset(seed=0)
        _interrupt_soon()
        with pytest.raises(KeyboardInterrupt):
            env.step(np.zeros(4, np.float32))
        assert not ctl.finished, "the step was interrupted while it was still blocked"
    finally:
        ctl.release.set()
        env.close()
