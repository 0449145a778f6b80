import pytest

import ai4u_rs


@pytest.fixture
def sample_env():
    """A one-agent SampleScene environment in this process, closed after the test."""
    env = ai4u_rs.Env("samplescene", max_steps=50)
    yield env
    env.close()
