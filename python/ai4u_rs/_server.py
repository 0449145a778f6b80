"""Building the native ``Server`` from the keyword arguments every environment accepts."""

from __future__ import annotations

from typing import Any, Sequence

from . import _core
from .controller import controller_specs


def start_server(
    *,
    n_agents: int,
    scene: str | None,
    instances: int,
    ids: Sequence[str] | None,
    controller: Any,
    host: str,
    port: int | None,
    token: str | None,
    connect_timeout: float,
    step_timeout: float,
    mode: str | None,
    agent_config: dict | None,
    scene_seed: int,
    max_steps: int,
    frame_skip: int,
    width: int,
    engine_token: str | None,
) -> Any:
    """Serves ``n_agents`` agents: from ``instances`` in-process engines when ``scene`` is
    given (ids ``"0"`` .. ``"n-1"``), else from whatever engines connect to ``host:port``."""
    if scene is not None:
        if n_agents % instances:
            raise ValueError(f"{n_agents} agents do not split evenly over {instances} engine instances")
        if ids is not None:
            raise ValueError("ids are chosen by the built-in scene; leave ids unset")
        ids = [str(i) for i in range(n_agents)]
        port = 0 if port is None else port
    else:
        ids = [str(i) for i in range(n_agents)] if ids is None else [str(i) for i in ids]
        port = 8080 if port is None else port
    return _core.Server(
        list(ids),
        controller_specs(controller, list(ids)),
        host=host,
        port=port,
        token=token,
        connect_timeout=connect_timeout,
        step_timeout=step_timeout,
        mode=mode,
        agent_config=agent_config,
        scene=scene,
        instances=instances,
        agents=n_agents // instances,
        seed=scene_seed,
        max_steps=max_steps,
        frame_skip=frame_skip,
        width=width,
        engine_token=engine_token,
    )
