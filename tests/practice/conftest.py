import pytest


@pytest.fixture
def practice_sandbox(sandbox, settings):
    """The session's sandbox, with practice pointed at it."""
    settings.SANDBOX_URL = sandbox.base_url
    return sandbox
