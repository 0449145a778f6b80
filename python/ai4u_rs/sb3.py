"""Stable-Baselines3 on an ``ai4u_rs.VectorEnv``.

SB3 does not take a ``gymnasium.vector.VectorEnv``: it has its own ``VecEnv`` API, whose
autoreset happens in the *same* step (the step that ends an episode returns the next
episode's first observation, with the last one in ``info["terminal_observation"]``).
``ai4u_rs.VectorEnv`` resets in the *next* step (Gymnasium 1.x's default), and the core
has no reset of a single sub-environment, so the two cannot be matched exactly.
:class:`SameStepAutoreset` converts with one extra step per episode:

- the step that ends sub-environment ``i`` reports ``done[i]``, its last observation in
  ``info["terminal_observation"]`` and ``info["TimeLimit.truncated"]`` (truncated and not
  terminated), and, in place of the next episode's first observation (which does not exist
  yet), the first observation of the episode that just ended;
- the next step resets it (its action is ignored) and returns the new episode's first
  observation with reward 0, not done, and ``info["ai4u_autoreset"] = True``.

So the learner sees one no-op transition per episode, from a start state to a start state
with reward 0. ``SB3VecEnv(venv)`` wraps the converter in SB3's ``VecEnv`` class; it is the
only part that imports ``stable_baselines3`` (and so torch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SB3VecEnv", "SameStepAutoreset"]


def _take(obs: Any, i: int) -> Any:
    """Sub-environment ``i``'s observation out of a batch (a copy, not a view)."""
    if isinstance(obs, dict):
        return {k: np.array(v[i]) for k, v in obs.items()}
    if isinstance(obs, tuple):
        return tuple(np.array(v[i]) for v in obs)
    return np.array(obs[i])


def _put(obs: Any, i: int, value: Any) -> None:
    if isinstance(obs, dict):
        for k, v in obs.items():
            v[i] = value[k]
    elif isinstance(obs, tuple):
        for v, x in zip(obs, value):
            v[i] = x
    else:
        obs[i] = value


class SameStepAutoreset:
    """An ``ai4u_rs.VectorEnv`` (next-step autoreset) behind SB3's same-step contract.

    ``reset(seed)`` returns the batched observation; ``step(actions)`` returns
    ``(obs, rewards, dones, infos)`` with ``infos`` a list of dicts, as SB3's ``VecEnv``
    does. Rewards are float32, dones bool.
    """

    def __init__(self, venv: Any):
        self.venv = venv
        self.num_envs = int(venv.num_envs)
        self._first: list[Any] = [None] * self.num_envs
        self._pending = np.zeros(self.num_envs, dtype=bool)

    def reset(self, seed: int | None = None) -> Any:
        obs, _ = self.venv.reset(seed=seed)
        self._first = [_take(obs, i) for i in range(self.num_envs)]
        self._pending[:] = False
        return obs

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, list[dict]]:
        obs, rewards, terminated, truncated, _ = self.venv.step(actions)
        infos: list[dict] = [{} for _ in range(self.num_envs)]
        for i in np.flatnonzero(self._pending):
            # The underlying reset step: a new episode starts here.
            self._first[i] = _take(obs, i)
            infos[i]["ai4u_autoreset"] = True
        ended = np.logical_or(terminated, truncated)
        for i in np.flatnonzero(ended):
            infos[i]["terminal_observation"] = _take(obs, i)
            infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
            _put(obs, i, self._first[i])
        self._pending = ended
        return obs, np.asarray(rewards, dtype=np.float32), ended, infos

    def close(self) -> None:
        self.venv.close()


def SB3VecEnv(venv: Any):
    """A ``stable_baselines3`` ``VecEnv`` over an ``ai4u_rs.VectorEnv`` (see the module doc).

    ``vec.seed(s)`` before ``reset()`` seeds sub-environment ``i`` with ``s + i``.
    """
    from stable_baselines3.common.vec_env.base_vec_env import VecEnv

    class _Ai4uVecEnv(VecEnv):
        def __init__(self, venv):
            self.conv = SameStepAutoreset(venv)
            self.venv = venv
            self._actions = None
            super().__init__(venv.num_envs, venv.single_observation_space, venv.single_action_space)

        def reset(self):
            seed = self._seeds[0] if self._seeds and self._seeds[0] is not None else None
            obs = self.conv.reset(seed)
            self._reset_seeds()
            self._reset_options()
            self.reset_infos = [{} for _ in range(self.num_envs)]
            return obs

        def step_async(self, actions):
            self._actions = actions

        def step_wait(self):
            return self.conv.step(self._actions)

        def close(self):
            self.conv.close()

        def get_attr(self, attr_name, indices=None):
            return [getattr(self.venv, attr_name)] * len(self._get_indices(indices))

        def set_attr(self, attr_name, value, indices=None):
            setattr(self.venv, attr_name, value)

        def env_method(self, method_name, *method_args, indices=None, **method_kwargs):
            raise NotImplementedError("an ai4u_rs VectorEnv has no per-sub-environment methods")

        def env_is_wrapped(self, wrapper_class, indices=None):
            return [False] * len(self._get_indices(indices))

    return _Ai4uVecEnv(venv)
