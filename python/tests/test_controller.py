"""A controller written in Python with AI4U's callbacks."""

import numpy as np
from gymnasium import spaces

import ai4u_rs


class Porting(ai4u_rs.Controller):
    """Doubles rewards, walks forward whatever it is told, and sees vision as uint8."""

    action_space = spaces.Box(-1.0, 1.0, (2,), np.float32)
    observation_space = spaces.Dict(
        [("array", spaces.Box(-1.0, 1.0, (7,), np.float32)), ("vision", spaces.Box(0, 255, (10, 10, 1), np.uint8))]
    )

    def __init__(self):
        self.configured = None
        self.episodes = 0
        self.ends = 0
        self.actions = []

    def handle_configuration(self, id, max_steps, metadata):
        self.configured = (id, max_steps, [i["name"] for i in metadata["inputs"]])

    def handle_new_episode(self, info):
        self.episodes += 1

    def handle_end_of_episode(self, info):
        self.ends += 1

    def step_behavior(self, action):
        self.actions.append(action)
        return "move", [np.array([1.0, float(action[1]), 0.0, 0.0], np.float32)]

    def reward(self, reward, info):
        return 2 * reward


def test_python_controller_callbacks():
    ctl = Porting()
    env = ai4u_rs.Env("samplescene", controller=ctl, max_steps=3)
    try:
        assert ctl.configured == ("0", 3, ["array", "vision"])
        assert env.action_space == Porting.action_space
        obs, _ = env.reset(seed=0)
        # Images in a uint8 space arrive as uint8 HWC arrays.
        assert obs["vision"].dtype == np.uint8 and obs["vision"].shape == (10, 10, 1)
        assert ctl.episodes == 1
        x0 = obs["array"]
        for _ in range(3):
            obs, reward, term, trunc, _ = env.step(np.array([0.0, 0.0], np.float32))
            assert reward == np.float32(-0.02)
        assert trunc and ctl.ends == 1
        assert len(ctl.actions) == 3 and ctl.actions[0].shape == (2,)
        assert not np.array_equal(obs["array"], x0), "the custom command moved the agent"
    finally:
        env.close()


class Derived(ai4u_rs.Controller):
    """No spaces declared: they come from the engine, like GenericController."""


def test_python_controller_with_derived_spaces():
    env = ai4u_rs.Env("samplescene", controller=Derived)
    try:
        assert env.observation_space["vision"].shape == (10, 10, 1)
        env.reset(seed=0)
        env.step(env.action_space.sample())
    finally:
        env.close()


class Refusing(ai4u_rs.Controller):
    def handle_configuration(self, id, max_steps, metadata):
        raise ValueError("not my scene")


def test_python_controller_can_refuse_the_configuration():
    import pytest

    with pytest.raises(ai4u_rs.RefusedError, match="not my scene"):
        ai4u_rs.Env("samplescene", controller=Refusing(), connect_timeout=20)
