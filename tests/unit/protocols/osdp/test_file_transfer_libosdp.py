"""OSDP file transfer against libosdp (PyPI ``libosdp``), over in-memory channels.

- the hub's osdp_FILETRANSFER fragments into a libosdp PD with file operations: every
  fragment is answered by an osdp_FTSTAT our decoder reads, the last one "processed", and
  the file the PD wrote is the image;
- a libosdp CP sends a file to our PD side (:class:`FileReceiver` answering FTSTAT): the
  CP runs its transfer to the end and the receiver holds the file, checked against the
  manifest's SHA-256.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import osdp

from firmware_protocols.firmware import FirmwareOrder
from firmware_protocols.osdp.commands import (
    CapRequest,
    CommandPayload,
    FileTransfer,
    IdRequest,
    Poll,
    command_frame,
    decode_command,
)
from firmware_protocols.osdp.file_transfer import FileReceiver, FtStatus, fragments
from firmware_protocols.osdp.frame import encode_frame, read_frame
from firmware_protocols.osdp.replies import (
    Ack,
    Capability,
    FileTransferStatus,
    PdCapReply,
    PdIdReply,
    ReplyPayload,
    decode_reply,
    reply_frame,
)
from tests.support.waiting import wait_until
from tests.unit.protocols.osdp.test_libosdp_peer import ADDRESS, CAPABILITIES, PD_ID, Pipe

IMAGE = random.Random(15).randbytes(3000)


def test_libosdp_pd_receives_our_fragments() -> None:
    written = bytearray(len(IMAGE))
    opened: list[tuple[int, int]] = []
    to_pd, from_pd = bytearray(), bytearray()
    pd = osdp.PeripheralDevice(
        osdp.PDInfo(ADDRESS, Pipe(to_pd, from_pd), id=PD_ID),
        osdp.PDCapabilities(CAPABILITIES),
        log_level=osdp.LogLevel.Error,
    )

    def write(data: bytes, offset: int) -> int:
        written[offset : offset + len(data)] = data
        return len(data)

    file_ops = {
        "open": lambda file_id, size: (opened.append((file_id, size)), 0)[1],
        "read": lambda size, offset: b"",
        "write": write,
        "close": lambda file_id: None,
    }
    assert pd.ctx.register_file_ops(0, file_ops)
    sequence = 0

    def exchange(payload: CommandPayload) -> ReplyPayload:
        nonlocal sequence
        to_pd.extend(encode_frame(command_frame(payload, address=ADDRESS, sequence=sequence)))
        sequence = sequence % 3 + 1

        def replied() -> bool:
            pd.ctx.refresh()
            return bool(from_pd)

        wait_until(replied, what="a reply from the libosdp PD")
        frame, _ = read_frame(bytes(from_pd))
        from_pd.clear()
        return decode_reply(frame)

    assert exchange(Poll()) == Ack()
    answers = [exchange(piece) for piece in fragments(IMAGE, 100)]
    assert all(isinstance(a, FileTransferStatus) for a in answers)
    statuses = [a.status for a in answers]  # type: ignore[union-attr]
    assert statuses == [FtStatus.PROCEED] * 29 + [FtStatus.PROCESSED]
    assert opened == [(1, len(IMAGE))]
    assert bytes(written) == IMAGE


def test_libosdp_cp_sends_a_file_to_our_receiver() -> None:
    cp_to_pd, pd_to_cp = bytearray(), bytearray()
    cp = osdp.ControlPanel(
        [osdp.PDInfo(ADDRESS, Pipe(pd_to_cp, cp_to_pd))], log_level=osdp.LogLevel.Error
    )
    order = FirmwareOrder("2.1.0", len(IMAGE), hashlib.sha256(IMAGE).hexdigest())
    receiver = FileReceiver(order)
    answered: list[FileTransferStatus] = []

    def serve() -> None:
        while cp_to_pd:
            frame, end = read_frame(bytes(cp_to_pd))
            del cp_to_pd[:end]
            command = decode_command(frame)
            reply: ReplyPayload
            if isinstance(command, FileTransfer):
                reply = receiver.receive(command)
                answered.append(reply)
            elif isinstance(command, IdRequest):
                reply = PdIdReply(0xA1B2C3, 7, 2, 1, 2, 1, 3)
            elif isinstance(command, CapRequest):
                reply = PdCapReply(tuple(Capability(*c) for c in CAPABILITIES))
            else:
                reply = Ack()
            out = reply_frame(reply, address=ADDRESS, sequence=frame.sequence)
            pd_to_cp.extend(encode_frame(out))

    def until(condition: Any, what: str) -> None:
        def step() -> bool:
            cp.ctx.refresh()
            serve()
            return bool(condition())

        wait_until(step, what=what)

    until(lambda: cp.ctx.status() & 1, "the libosdp CP sees our PD online")
    file_ops = {
        "open": lambda file_id, size: len(IMAGE),
        "read": lambda size, offset: IMAGE[offset : offset + size],
        "write": lambda data, offset: -1,
        "close": lambda file_id: None,
    }
    assert cp.ctx.register_file_ops(0, file_ops)
    assert cp.ctx.submit_command(0, {"command": osdp.Command.FileTransfer, "id": 1, "flags": 0})

    def finished() -> bool:
        status = cp.ctx.get_file_tx_status(0)
        return status is None or status["offset"] == status["size"]

    until(lambda: receiver.verified is not None and finished(), "the transfer to end")
    assert receiver.verified is True and receiver.data == IMAGE
    assert receiver.file_type == 1
    assert answered[-1].status == FtStatus.PROCESSED
    assert {a.status for a in answered[:-1]} == {FtStatus.PROCEED}
