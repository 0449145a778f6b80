"""PettingZoo views of several ai4u agents: ``ParallelEnv`` and an AEC view of it."""

from __future__ import annotations

import functools
from typing import Any, Sequence

from pettingzoo import ParallelEnv as _PzParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from ._server import start_server
from .spaces import from_desc

__all__ = ["ParallelEnv", "aec_env"]


class ParallelEnv(_PzParallelEnv):
    """PettingZoo's Parallel API: every live agent acts at once, in one engine batch.

    Engine sources and controllers as for :class:`ai4u_rs.VectorEnv` (``num_agents``
    agents over ``instances`` in-process engines when ``scene`` is set). An agent whose
    episode ends leaves ``agents`` after that step; ``reset`` brings everyone back, with
    ``seed + i`` for the ``i``-th possible agent when seeded.
    """

    metadata = {"render_modes": [], "name": "ai4u_rs_v0", "is_parallelizable": True}

    def __init__(
        self,
        num_agents: int = 1,
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
        info: bool = True,
        render_mode: str | None = None,
    ):
        if render_mode is not None:
            raise ValueError("ai4u_rs environments do not render; the engine shows the scene")
        self.render_mode = None
        if ids is not None and scene is None:
            num_agents = len(ids)
        self._server = start_server(
            n_agents=num_agents,
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
        self._par = self._server.parallel(info)
        self.possible_agents = list(self._par.possible_agents)
        self.agents = []
        self._closed = False

    # The same object on every call, as PettingZoo requires (space seeding relies on it).
    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent):
        return from_desc(self._par.observation_space(agent))

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent):
        return from_desc(self._par.action_space(agent))

    def reset(self, seed: int | None = None, options: dict | None = None):
        obs, infos = self._par.reset(seed, options)
        self.agents = list(self._par.agents)
        return obs, infos

    def step(self, actions: dict):
        out = self._par.step(actions)
        self.agents = list(self._par.agents)
        return out

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            self._par.stop()
        finally:
            self._server.close()


def aec_env(*args, **kwargs):
    """The AEC (turn by turn) view of a :class:`ParallelEnv` built with the same arguments:
    agents choose one after the other and the engine steps once all live agents have."""
    return parallel_to_aec(ParallelEnv(*args, **kwargs))
