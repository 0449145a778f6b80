"""``VectorEnv``: many ai4u agents (one engine or several) as a ``gymnasium.vector.VectorEnv``."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv as _GymVectorEnv
from gymnasium.vector.utils import batch_space

from ._server import start_server
from .spaces import from_desc

__all__ = ["VectorEnv"]


def _fold_infos(infos: list[dict] | None) -> dict:
    """Per-agent info dicts as Gymnasium's vector layout: ``{key: array, "_key": mask}``."""
    if not infos:
        return {}
    out: dict = {}
    n = len(infos)
    for i, info in enumerate(infos):
        for k, v in info.items():
            if k not in out:
                sample = np.asarray(v)
                if sample.dtype.kind in "OSU":
                    out[k] = np.empty(n, dtype=object)
                else:
                    out[k] = np.zeros((n, *sample.shape), dtype=sample.dtype)
                out["_" + k] = np.zeros(n, dtype=bool)
            out[k][i] = v
            out["_" + k][i] = True
    return out


class VectorEnv(_GymVectorEnv):
    """``num_envs`` agents stepped together, one batch (one engine reply) per step.

    With ``scene`` set, ``instances`` headless engines start in this process and share the
    agents evenly (ids ``"0"`` .. ``"num_envs-1"``); without it the environment waits for
    engines to configure ``ids`` (default ``"0"`` .. ``"num_envs-1"``) on ``host:port``.

    Autoreset is Gymnasium 1.x's next-step mode (``metadata["autoreset_mode"]``): the step
    after a sub-environment ends resets it, ignoring its action, and returns its first
    observation with reward 0. ``reset(seed=s)`` seeds sub-environment ``i`` with ``s + i``.
    Infos are empty unless ``info=True`` (then each engine field, with its ``_field`` mask).
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(
        self,
        num_envs: int = 1,
        scene: str | None = None,
        *,
        instances: int = 1,
        ids: Sequence[str] | None = None,
        controller: Any = "generic",
        host: str = "127.0.0.1",
        port: int | None = None,
        token: str | None = None,
        connect_timeout: float = 60.0,
        step_timeout: float = 30.0,
        mode: str | None = None,
        agent_config: dict | None = None,
        scene_seed: int = 0,
        max_steps: int = 1000,
        frame_skip: int = 4,
        width: int = 4,
        engine_token: str | None = None,
        info: bool = False,
    ):
        if ids is not None and scene is None:
            num_envs = len(ids)
        self._server = start_server(
            n_agents=num_envs,
            scene=scene,
            instances=instances,
            ids=ids,
            controller=controller,
            host=host,
            port=port,
            token=token,
            connect_timeout=connect_timeout,
            step_timeout=step_timeout,
            mode=mode,
            agent_config=agent_config,
            scene_seed=scene_seed,
            max_steps=max_steps,
            frame_skip=frame_skip,
            width=width,
            engine_token=engine_token,
        )
        self._agents = self._server.vector(info)
        self.num_envs = num_envs
        self.render_mode = None
        self.single_action_space = from_desc(self._server.action_space(0))
        self.single_observation_space = from_desc(self._server.observation_space(0))
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)

    @property
    def address(self) -> str:
        return self._server.address

    def reset(self, *, seed: int | Sequence[int] | None = None, options: dict | None = None):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            seeds = [int(s) for s in seed]
            if seeds != list(range(seeds[0], seeds[0] + self.num_envs)):
                raise ValueError("a VectorEnv takes one seed s (sub-environment i gets s + i) or [s, s+1, ...]")
            seed = seeds[0]
        super().reset(seed=None if seed is None else int(seed))
        obs, infos = self._agents.reset(None if seed is None else int(seed), options)
        return obs, _fold_infos(infos)

    def step(self, actions):
        obs, rewards, terminated, truncated, infos = self._agents.step(actions)
        return obs, rewards, terminated, truncated, _fold_infos(infos)

    def close_extras(self, **kwargs):
        try:
            self._agents.stop()
        finally:
            self._server.close()
