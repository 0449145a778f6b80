"""``Env``: one ai4u agent as a ``gymnasium.Env``."""

from __future__ import annotations

from typing import Any

import gymnasium

from ._server import start_server
from .spaces import from_desc

__all__ = ["Env"]


class Env(gymnasium.Env):
    """One agent of an ai4u engine as a Gymnasium environment.

    Engine source: with ``scene="samplescene"`` (or ``"samplescene-image"``, its vision as a
    uint8 camera image, or ``"echo"``) a headless engine starts
    in this process on a free port; without ``scene`` the environment listens on
    ``host:port`` (default 127.0.0.1:8080) and waits up to ``connect_timeout`` seconds for
    an engine (Unity Play, a Godot scene, ``ai4u-sim``) to configure agent ``agent_id``.

    ``controller`` is ``"generic"`` (spaces from the engine's metadata), ``"samplescene"``,
    or an :class:`ai4u_rs.Controller`. ``reset(seed=s)`` sends ``seed`` to the engine, so a
    seeded scene starts the same way every time; ``options`` go along as reset fields.
    ``info`` dicts hold the engine's raw state fields unless ``info=False``.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        scene: str | None = None,
        *,
        controller: Any = "generic",
        agent_id: str = "0",
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
        self._server = start_server(
            n_agents=1,
            scene=scene,
            instances=1,
            ids=None if scene is not None else [agent_id],
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
        self.action_space = from_desc(self._server.action_space(0))
        self.observation_space = from_desc(self._server.observation_space(0))
        self._agent = self._server.single(0, info)
        self._closed = False

    @property
    def address(self) -> str:
        """``host:port`` engines connect to."""
        return self._server.address

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        return self._agent.reset(seed, options)

    def step(self, action):
        return self._agent.step(action)

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            self._agent.stop()
        finally:
            self._server.close()
