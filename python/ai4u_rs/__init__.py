"""ai4u_rs: Gymnasium and PettingZoo environments for ai4u engines on the ai4u-rs core.

>>> import gymnasium, ai4u_rs
>>> env = gymnasium.make("ai4u_rs/Remote-v0", scene="samplescene")   # doctest: +SKIP
"""

from __future__ import annotations

import gymnasium

from ._core import Engine, Ai4uError, Ai4uTimeoutError, DisconnectedError, RefusedError, UsageError
from .controller import Controller
from .env import Env
from .spaces import from_desc, to_desc
from .vector import VectorEnv

__all__ = [
    "Ai4uError",
    "Ai4uTimeoutError",
    "Controller",
    "DisconnectedError",
    "Engine",
    "Env",
    "ParallelEnv",
    "RefusedError",
    "UsageError",
    "VectorEnv",
    "aec_env",
    "from_desc",
    "to_desc",
]

if "ai4u_rs/Remote-v0" not in gymnasium.registry:
    gymnasium.register(id="ai4u_rs/Remote-v0", entry_point="ai4u_rs.env:Env")


def __getattr__(name):
    # PettingZoo is optional: import it only when its classes are asked for.
    if name in ("ParallelEnv", "aec_env"):
        from . import pettingzoo as _pz

        return getattr(_pz, name)
    raise AttributeError(f"module 'ai4u_rs' has no attribute {name!r}")
