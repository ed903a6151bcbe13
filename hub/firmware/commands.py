"""The command issuer a campaign needs: the hub's command service, or another process's
command lane that offers the same call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from hub.commands.service import CommandOutcome, WaitFor


class FirmwareCommands(Protocol):
    async def issue(
        self,
        device_id: str,
        name: str,
        params: Mapping[str, Any],
        *,
        issued_by: str,
        timeout_s: float | None = None,
        wait_for: WaitFor = "confirmed",
        record_params: Mapping[str, Any] | None = None,
    ) -> CommandOutcome: ...
