"""Sending a door unit its image over MQTT: the manifest, then osdp_FILETRANSFER fragments
one at a time, each a command with its own id and expiry (osdp PROTOCOL.md section 13).

The offset the door confirmed is kept in the campaign's device row, so a transfer cut by
a lost connection, a hub restart or a change of replica continues where it stopped (the
door keeps what it received and accepts fragments again). The door's own reports
(``firmware`` events) say how it ends; this only sends.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hub.commands.models import CommandState
from hub.commands.service import CommandService
from hub.errors import HubError
from hub.firmware.images import ImageInfo
from hub.firmware.tables import CHUNK_BYTES

log = logging.getLogger(__name__)

FRAGMENT_BYTES = 1024
FRAGMENT_TIMEOUT_S = 10.0
MANIFEST_TIMEOUT_S = 15.0
SAVE_EVERY = 16  # fragments between writes of the confirmed offset
RETRY_PAUSE_S = 0.5


@dataclass(frozen=True, slots=True)
class TransferResult:
    """How the sending ended: ``sent`` (the door processed the file), ``refused`` (the door
    said no: ``reason``), or ``stalled`` (no progress; the campaign's timeout decides)."""

    outcome: str
    reason: str | None = None


ReadChunk = Callable[[int], Awaitable[bytes]]  # chunk index > its bytes
SaveOffset = Callable[[int], Awaitable[None]]


class DoorTransfer:
    def __init__(
        self,
        *,
        commands: CommandService,
        device_id: str,
        image: ImageInfo,
        read_chunk: ReadChunk,
        save_offset: SaveOffset,
        is_online: Callable[[str], bool],
        issued_by: str,
        max_retries: int = 40,
    ) -> None:
        self._commands = commands
        self._device_id = device_id
        self._image = image
        self._read_chunk = read_chunk
        self._save_offset = save_offset
        self._is_online = is_online
        self._issued_by = issued_by
        self._max_retries = max_retries
        self._chunk_index = -1
        self._chunk = b""

    async def announce(self) -> tuple[CommandState, str | None]:
        """Send the manifest; the command's final state and reason."""
        params = {
            "version": self._image.version,
            "size": self._image.size,
            "sha256": self._image.sha256,
        }
        outcome = await self._commands.issue(
            self._device_id,
            "firmware_update",
            params,
            issued_by=self._issued_by,
            timeout_s=MANIFEST_TIMEOUT_S,
            wait_for="confirmed",
        )
        return outcome.state, outcome.reason

    async def _fragment(self, offset: int) -> bytes:
        index = offset // CHUNK_BYTES
        if index != self._chunk_index:
            self._chunk, self._chunk_index = await self._read_chunk(index), index
        start = offset - index * CHUNK_BYTES
        return self._chunk[start : start + FRAGMENT_BYTES]

    async def send(self, offset: int) -> TransferResult:
        """Fragments from ``offset`` to the end."""
        size, failures, since_save = self._image.size, 0, 0
        while offset < size:
            if not self._is_online(self._device_id):
                await asyncio.sleep(RETRY_PAUSE_S)
                continue
            data = await self._fragment(offset)
            try:
                outcome = await self._commands.issue(
                    self._device_id,
                    "file_transfer",
                    {"size": size, "offset": offset, "data": base64.b64encode(data).decode()},
                    issued_by=self._issued_by,
                    timeout_s=FRAGMENT_TIMEOUT_S,
                    wait_for="confirmed",
                    record_params={
                        "size": size,
                        "offset": offset,
                        "length": len(data),
                        "sha256": self._image.sha256,
                    },
                )
            except HubError as exc:  # not connected to the broker: try again shortly
                log.info("fragment for %s not sent: %s", self._device_id, exc)
                outcome = None
            if outcome is not None and outcome.state is CommandState.CONFIRMED:
                failures = 0
                if outcome.reason in ("ft_processed", "ft_rebooting"):
                    await self._save_offset(size)
                    return TransferResult("sent")
                offset += len(data)
                since_save += 1
                if since_save >= SAVE_EVERY:
                    await self._save_offset(offset)
                    since_save = 0
                continue
            if outcome is not None and outcome.state in (
                CommandState.FAILED,
                CommandState.REJECTED,
            ):
                await self._save_offset(offset)
                return TransferResult("refused", outcome.reason)
            failures += 1
            if failures >= self._max_retries:
                await self._save_offset(offset)
                return TransferResult("stalled", "no answer to fragments")
            await asyncio.sleep(RETRY_PAUSE_S)
        await self._save_offset(offset)
        return TransferResult("sent")
