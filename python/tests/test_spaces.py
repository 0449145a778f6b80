"""Spaces round-trip between Gymnasium and the Rust core, samples included."""

import numpy as np
import pytest
from gymnasium import spaces

import ai4u_rs
from ai4u_rs import _core

SPACES = [
    spaces.Box(-1.0, 1.0, (3,), np.float32),
    spaces.Box(np.array([-1.0, 0.0]), np.array([2.0, 5.0]), dtype=np.float64),
    spaces.Box(-5, 5, (2, 2), np.int32),
    spaces.Box(0, 10, (4,), np.int64),
    spaces.Box(0, 255, (8, 6, 3), np.uint8),
    spaces.Discrete(5),
    spaces.Discrete(3, start=-2),
    spaces.MultiDiscrete([3, 4], start=[1, 0]),
    spaces.MultiBinary(4),
    spaces.MultiBinary([2, 3]),
    spaces.Text(5, min_length=2, charset="abc"),
    spaces.Dict([("z", spaces.Discrete(2)), ("a", spaces.Box(-1.0, 1.0, (2,), np.float32))]),
    spaces.Tuple([spaces.Discrete(4), spaces.Box(0.0, 1.0, (2,), np.float32), spaces.Text(3, charset="xy")]),
]


@pytest.mark.parametrize("space", SPACES, ids=lambda s: type(s).__name__)
def test_space_round_trips_through_rust(space):
    back = ai4u_rs.from_desc(_core.check_space(ai4u_rs.to_desc(space)))
    assert back == space
    assert type(back) is type(space)
    if isinstance(space, spaces.Box):
        assert back.dtype == space.dtype
    if isinstance(space, spaces.Dict):
        assert list(back.spaces) == list(space.spaces), "key order is kept"


@pytest.mark.parametrize("space", SPACES, ids=lambda s: type(s).__name__)
def test_samples_cross_both_ways(space):
    desc = ai4u_rs.to_desc(space)
    for seed in range(5):
        rust_sample = _core.sample_space(desc, seed)
        assert rust_sample in space, rust_sample
        space.seed(seed)
        assert _core.space_contains(desc, space.sample())


def test_rust_sampler_is_seeded():
    desc = ai4u_rs.to_desc(spaces.Box(-1.0, 1.0, (5,), np.float32))
    np.testing.assert_array_equal(_core.sample_space(desc, 4), _core.sample_space(desc, 4))
    assert not np.array_equal(_core.sample_space(desc, 4), _core.sample_space(desc, 5))


def test_membership_is_checked_in_rust():
    desc = ai4u_rs.to_desc(spaces.Box(-1.0, 1.0, (2,), np.float32))
    assert _core.space_contains(desc, np.array([0.5, -0.5], np.float32))
    assert not _core.space_contains(desc, np.array([1.5, 0.0], np.float32))
    assert not _core.space_contains(desc, np.zeros(3, np.float32))
    d = ai4u_rs.to_desc(spaces.Discrete(3, start=1))
    assert _core.space_contains(d, 3) and not _core.space_contains(d, 0)


def test_invalid_space_raises_the_rust_message():
    desc = ai4u_rs.to_desc(spaces.Box(-1.0, 1.0, (1,), np.float32))
    desc["low"], desc["high"] = np.array([2.0]), np.array([1.0])
    with pytest.raises(ai4u_rs.UsageError, match=r"^Box low 2 > high 1 at index \[0\]$"):
        _core.check_space(desc)
    with pytest.raises(ai4u_rs.UsageError, match="Discrete n must be > 0, got 0"):
        _core.check_space({"type": "Discrete", "n": 0, "start": 0})
