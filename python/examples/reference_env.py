"""A pure-Python stand-in for SampleScene, to time the same PPO without ai4u_rs.

Same spaces as SampleScene through the generic controller (`array` [7], `vision`
[10, 10, 1], a 4-float `move` action) and the same walk/turn/reward rules on a flat
platform, but no physics (no jumps, no gravity) and no ray-cast vision (the grid stays 0).
It is a speed baseline, not a replacement: train_sb3.py --mode reference times it.
"""

from __future__ import annotations

import math

import gymnasium
import numpy as np
from gymnasium import spaces

DT = 0.08  # one decision: 4 physics frames of 0.02 s


class ReachEnv(gymnasium.Env):
    def __init__(self, seed: int = 0):
        self.observation_space = spaces.Dict(
            {
                "array": spaces.Box(-1.0, 1.0, (7,), np.float32),
                "vision": spaces.Box(0.0, 255.0, (10, 10, 1), np.float32),
            }
        )
        self.action_space = spaces.Box(
            np.array([-1, -1, 0, 0], np.float32), np.array([1, 1, 1, 1], np.float32), dtype=np.float32
        )
        self._rng = np.random.default_rng(seed)
        self._vision = np.zeros((10, 10, 1), np.float32)

    def _obs(self, last):
        d = self.target - self.pos
        dist = float(np.hypot(*d))
        fwd = np.array([math.sin(self.yaw), math.cos(self.yaw)])
        dot = float(fwd @ d / dist) if dist > 1e-6 else 1.0
        a = np.array([dot, min(dist / 30, 1.0), 1.0, *last], np.float32)
        return {"array": a, "vision": self._vision.copy()}

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self.pos = self._rng.uniform(-7, 7, 2)
        self.yaw = self._rng.uniform(-math.pi, math.pi)
        while True:
            self.target = self._rng.uniform(-8, 8, 2)
            if np.hypot(*(self.target - self.pos)) >= 4:
                break
        return self._obs([0, 0, 0, 0]), {}

    def step(self, action):
        a = np.clip(np.asarray(action, np.float32), self.action_space.low, self.action_space.high)
        self.yaw += float(a[1]) * math.pi * DT
        self.pos = self.pos + float(a[0]) * 4 * DT * np.array([math.sin(self.yaw), math.cos(self.yaw)])
        reward, done = -0.01, False
        if np.hypot(*(self.target - self.pos)) <= 1.0:
            reward, done = reward + 10.0, True
        elif np.abs(self.pos).max() > 10:
            reward, done = reward - 1.0, True
        return self._obs(a), reward, done, False, {}
