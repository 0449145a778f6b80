"""``Controller``: write an agent's controller in Python with AI4U's callbacks."""

from __future__ import annotations

from typing import Any

from . import spaces as _spaces

__all__ = ["Controller"]

_CALLBACKS = (
    "handle_configuration",
    "handle_new_episode",
    "handle_end_of_episode",
    "reset_behavior",
    "step_behavior",
    "observation",
    "reward",
)


class Controller:
    """Base class of Python controllers, called on the agent's daemon thread.

    Override only what you need; the rest behaves like the Rust ``GenericController``.
    Set ``action_space`` and ``observation_space`` (Gymnasium spaces) to declare them, or
    leave both ``None`` to derive them from the engine's metadata. ``action_name`` is the
    actuator the default ``step_behavior`` addresses (derived too when ``None``).

    ``info`` arguments are the engine's state fields as a dict (numpy arrays for arrays,
    ``uint8`` HWC arrays for raw images).
    """

    action_space = None
    observation_space = None
    action_name: str | None = None

    def handle_configuration(self, id: str, max_steps: int, metadata: dict) -> None:
        """The engine declared the agent; raise to refuse it (the message reaches the engine)."""

    def handle_new_episode(self, info: dict) -> None:
        """A new episode started; ``info`` is its first state."""

    def handle_end_of_episode(self, info: dict) -> None:
        """The episode ended; ``info`` is its last state."""

    def reset_behavior(self, info: dict) -> Any:
        """The first observation of an episode (default: ``observation(info)``)."""
        raise NotImplementedError

    def step_behavior(self, action: Any) -> tuple[str, list] | None:
        """``(actuator name, args)`` to send for ``action``, or ``None`` for the default."""
        return None

    def observation(self, info: dict) -> Any:
        """An observation from a state (default: fields by name, as ``GenericController``)."""
        raise NotImplementedError

    def reward(self, reward: float, info: dict) -> float:
        """The reward reported for a step; override to shape it."""
        return reward

    def _ai4u_spec(self) -> tuple:
        """What the native core needs: the object, which callbacks it overrides, its spaces."""
        overridden = [
            name for name in _CALLBACKS if getattr(type(self), name) is not getattr(Controller, name)
        ]
        a, o = self.action_space, self.observation_space
        return (
            self,
            overridden,
            None if a is None else _spaces.to_desc(a),
            None if o is None else _spaces.to_desc(o),
            self.action_name or "",
        )


def controller_specs(controller: Any, ids: list[str]) -> list:
    """One native controller spec per id from what users pass as ``controller``: a built-in's
    name, a ``Controller`` (one agent only), a ``Controller`` subclass (one instance per
    agent), a factory called with each id, or a list."""
    if isinstance(controller, (list, tuple)):
        if len(controller) != len(ids):
            raise ValueError(f"{len(controller)} controllers for {len(ids)} agents")
        return [_one(c) for c in controller]
    if isinstance(controller, str):
        return [controller] * len(ids)
    if isinstance(controller, Controller):
        if len(ids) != 1:
            raise ValueError("one Controller object cannot serve several agents; pass its class")
        return [_one(controller)]
    if isinstance(controller, type) and issubclass(controller, Controller):
        return [_one(controller()) for _ in ids]
    if callable(controller):
        return [_one(controller(i)) for i in ids]
    raise TypeError(f"controller must be a name, a Controller, a factory or a list, not {type(controller).__name__}")


def _one(c: Any):
    if isinstance(c, str):
        return c
    if isinstance(c, Controller):
        return c._ai4u_spec()
    raise TypeError(f"{type(c).__name__} is not an ai4u_rs.Controller")
