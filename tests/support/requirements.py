"""What a test needs from its machine (a database server, a broker binary, test vectors):
where it is missing the test is skipped with the reason, unless the environment says it
must be there (``CI``, say), and then it fails."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: str, required_env: str) -> NoReturn:
    """Skip with ``reason``, or fail where ``required_env`` is set."""
    if os.environ.get(required_env):
        pytest.fail(f"{reason} ({required_env} is set, so this must run)")
    pytest.skip(reason)
