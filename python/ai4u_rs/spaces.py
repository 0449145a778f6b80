"""Space descriptions (what the native core speaks) to ``gymnasium.spaces`` and back."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

__all__ = ["from_desc", "to_desc"]


def from_desc(d: dict) -> spaces.Space:
    """The Gymnasium space a description stands for."""
    kind = d["type"]
    if kind == "Box":
        dtype = np.dtype(d["dtype"])
        low, high = np.asarray(d["low"]), np.asarray(d["high"])
        # Bounds travel as float64; Gymnasium wants them in the Box's dtype.
        low, high = low.astype(dtype), high.astype(dtype)
        return spaces.Box(low=low, high=high, shape=low.shape, dtype=dtype)
    if kind == "Discrete":
        return spaces.Discrete(int(d["n"]), start=int(d["start"]))
    if kind == "MultiDiscrete":
        return spaces.MultiDiscrete(np.asarray(d["nvec"]), start=np.asarray(d["start"]))
    if kind == "MultiBinary":
        shape = tuple(d["shape"])
        return spaces.MultiBinary(list(shape) if len(shape) > 1 else shape[0])
    if kind == "Dict":
        # A sequence of pairs keeps the engine's key order (a mapping would be sorted).
        return spaces.Dict([(k, from_desc(v)) for k, v in d["spaces"]])
    if kind == "Tuple":
        return spaces.Tuple([from_desc(v) for v in d["spaces"]])
    if kind == "Text":
        return spaces.Text(
            max_length=int(d["max_length"]), min_length=int(d["min_length"]), charset=d["charset"]
        )
    raise ValueError(f"unknown space type {kind!r}")


def to_desc(s: spaces.Space) -> dict:
    """The description of a Gymnasium space; raises for spaces ai4u has no counterpart of."""
    if isinstance(s, spaces.Box):
        return {
            "type": "Box",
            "low": np.asarray(s.low, dtype=np.float64),
            "high": np.asarray(s.high, dtype=np.float64),
            "dtype": np.dtype(s.dtype).name,
        }
    if isinstance(s, spaces.Discrete):
        return {"type": "Discrete", "n": int(s.n), "start": int(s.start)}
    if isinstance(s, spaces.MultiDiscrete):
        return {"type": "MultiDiscrete", "nvec": np.asarray(s.nvec, dtype=np.int64), "start": np.asarray(s.start, dtype=np.int64)}
    if isinstance(s, spaces.MultiBinary):
        return {"type": "MultiBinary", "shape": tuple(int(x) for x in s.shape)}
    if isinstance(s, spaces.Dict):
        return {"type": "Dict", "spaces": [(k, to_desc(v)) for k, v in s.spaces.items()]}
    if isinstance(s, spaces.Tuple):
        return {"type": "Tuple", "spaces": [to_desc(v) for v in s.spaces]}
    if isinstance(s, spaces.Text):
        # Gymnasium keeps the charset as a set; sorting makes the Rust side's order stable.
        return {
            "type": "Text",
            "min_length": int(s.min_length),
            "max_length": int(s.max_length),
            "charset": "".join(sorted(s.character_set)),
        }
    raise TypeError(f"{type(s).__name__} has no ai4u counterpart")
