"""Issue a command on the domain's behalf and log what became of it.

The domain never waits on a device inside its workers: decisions are made, logged and
then answered by a background task running this.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from hub.commands.service import CommandOutcome, WaitFor
from hub.errors import HubError

log = logging.getLogger(__name__)


class CommandIssuer(Protocol):
    async def issue(
        self,
        device_id: str,
        name: str,
        params: Mapping[str, Any],
        *,
        issued_by: str,
        timeout_s: float | None = None,
        wait_for: WaitFor = "confirmed",
        expires_at_ms: int | None = None,
    ) -> CommandOutcome: ...


async def issue_logged(
    commands: CommandIssuer,
    device_id: str,
    name: str,
    params: Mapping[str, Any],
    *,
    issued_by: str,
    timeout_s: float | None = None,
    expires_at_ms: int | None = None,
) -> CommandOutcome | None:
    """The outcome, or None if the command could not be sent (logged either way)."""
    try:
        outcome = await commands.issue(
            device_id,
            name,
            params,
            issued_by=issued_by,
            timeout_s=timeout_s,
            expires_at_ms=expires_at_ms,
        )
    except HubError as exc:  # unknown device, unsupported command, broker unreachable
        log.warning("%s for %s not sent: %s", name, device_id, exc)
        return None
    if not outcome.succeeded:
        log.info("%s for %s ended %s: %s", name, device_id, outcome.state, outcome.reason)
    return outcome
