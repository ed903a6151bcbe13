"""OSDP file transfer (osdp_FILETRANSFER 0x7C, answered by osdp_FTSTAT 0x7A), both sides.

The CP sends the file in fragments, each naming the file type, the total size, its offset
and its length; the PD answers each with a status. Over MQTT every fragment is one command
envelope (with its own id and expiry) and the FTSTAT comes back in the reply envelope, so
MQTT QoS 1 and the envelope replace OSDP's poll-driven pacing: the hub sends the next
fragment when the previous one is answered, and ignores FtDelay.

:class:`FileReceiver` is the PD's side: it writes fragments at their offsets into a
buffer and, on the last byte, checks the whole file against the manifest's size and
SHA-256 (when a manifest announced it) before saying the contents were processed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum
from types import MappingProxyType

from firmware_protocols.firmware import FirmwareOrder
from firmware_protocols.osdp.commands import FileTransfer
from firmware_protocols.osdp.replies import FileTransferStatus

FILE_TYPE_OPAQUE = 1  # "opaque file contents recognisable by this specific PD"
DEFAULT_FRAGMENT = 1024  # data bytes per osdp_FILETRANSFER the hub sends over MQTT


class FtStatus(IntEnum):
    """osdp_FTSTAT status detail (a signed 16-bit number)."""

    PROCEED = 0  # OK to proceed: send the next fragment
    PROCESSED = 1  # the whole file was received and processed
    REBOOTING = 2  # processed; the PD is rebooting now (expect communication to reset)
    FINISHING = 3  # the PD is finishing: keep sending idle (length 0) fragments
    ABORT = -1  # the transfer is aborted
    UNRECOGNIZED = -2  # the file's contents are not recognised
    INVALID = -3  # the file's data are not acceptable (malformed, or check failed)


FT_REASONS = MappingProxyType(
    {
        FtStatus.PROCEED: "ft_proceed",
        FtStatus.PROCESSED: "ft_processed",
        FtStatus.REBOOTING: "ft_rebooting",
        FtStatus.FINISHING: "ft_finishing",
        FtStatus.ABORT: "ft_abort",
        FtStatus.UNRECOGNIZED: "ft_unrecognized",
        FtStatus.INVALID: "ft_invalid",
    }
)


def ft_reason(status: int) -> str:
    """A stable reason string for an FTSTAT status, e.g. ``ft_processed``."""
    try:
        return FT_REASONS[FtStatus(status)]
    except ValueError:
        return f"ft_{status}"


def fragment(image_size: int, offset: int, data: bytes) -> FileTransfer:
    """The osdp_FILETRANSFER carrying ``data`` at ``offset`` of an image."""
    return FileTransfer(FILE_TYPE_OPAQUE, image_size, offset, data)


def fragments(image: bytes, size: int = DEFAULT_FRAGMENT) -> list[FileTransfer]:
    """Every fragment of ``image``, in order."""
    if size < 1:
        raise ValueError("fragment size must be positive")
    return [fragment(len(image), i, image[i : i + size]) for i in range(0, len(image), size)]


@dataclass(slots=True)
class FileReceiver:
    """A PD receiving one file. ``order`` (from the manifest) makes it check size and
    SHA-256 at the end; without one the file is accepted as received.

    Fragments may come in any order and again (a resumed transfer repeats what was not
    acknowledged); the file is complete when every byte was written once. ``verified`` is
    True once the whole file arrived and matched, False if it did not match, None before.
    """

    order: FirmwareOrder | None = None
    file_type: int | None = None
    size: int | None = None
    buffer: bytearray = field(default_factory=bytearray)
    received: int = 0
    _have: list[tuple[int, int]] = field(default_factory=list)
    verified: bool | None = None
    failure: str | None = None

    def receive(self, command: FileTransfer) -> FileTransferStatus:
        """Write one fragment; the FTSTAT to answer it with."""
        if self.verified is not None:  # done: a repeated last fragment gets the same answer
            return FileTransferStatus(FtStatus.PROCESSED if self.verified else FtStatus.INVALID)
        if self.size is None:
            if self.order is not None and command.total_size != self.order.size:
                return self._fail("size_mismatch")
            self.size, self.file_type = command.total_size, command.file_type
            self.buffer = bytearray(command.total_size)
        if command.total_size != self.size or command.file_type != self.file_type:
            return self._fail("size_mismatch")
        if not command.data:
            return FileTransferStatus(FtStatus.PROCEED)  # an idle message
        end = command.offset + len(command.data)
        self.buffer[command.offset : end] = command.data
        self._note(command.offset, end)
        if self.received < self.size:
            return FileTransferStatus(FtStatus.PROCEED)
        return self._finish()

    @property
    def data(self) -> bytes:
        return bytes(self.buffer)

    def _note(self, start: int, end: int) -> None:
        spans = sorted([*self._have, (start, end)])
        merged: list[tuple[int, int]] = []
        for lo, hi in spans:
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        self._have = merged
        self.received = sum(hi - lo for lo, hi in merged)

    def _finish(self) -> FileTransferStatus:
        order = self.order
        if order is not None and hashlib.sha256(self.buffer).hexdigest() != order.sha256:
            return self._fail("checksum_mismatch")
        self.verified = True
        return FileTransferStatus(FtStatus.PROCESSED)

    def _fail(self, reason: str) -> FileTransferStatus:
        self.verified, self.failure = False, reason
        return FileTransferStatus(FtStatus.INVALID)
