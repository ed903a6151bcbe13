"""Door-unit firmware updates: the manifest, file transfer fragments and FTSTAT answers,
progress reports, the unit's receiver, and what the hub makes of all of them."""

from __future__ import annotations

import base64
import contextlib
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_protocols.base import CodecError, Command, CommandReply, Event
from firmware_protocols.firmware import FIRMWARE_STATES, FirmwareOrder
from firmware_protocols.osdp.commands import FileTransfer, MfgCommand, decode_command_data
from firmware_protocols.osdp.definitions import DEFINITIONS
from firmware_protocols.osdp.device import encode_command_reply, encode_report, receive_command
from firmware_protocols.osdp.envelope import ReplyStatus
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.file_transfer import FileReceiver, FtStatus, fragments, ft_reason
from firmware_protocols.osdp.firmware import (
    DoorProgress,
    manifest_command,
    manifest_from_command,
    progress_from_reply,
    progress_reply,
)
from firmware_protocols.osdp.replies import (
    FileTransferStatus,
    MfgReply,
    Nak,
    decode_reply_data,
)

SESSION = DEFINITIONS[0].session("door-1")
IMAGE = bytes(range(256)) * 10
ORDER = FirmwareOrder("2.1.0", len(IMAGE), hashlib.sha256(IMAGE).hexdigest())
CID = "0123456789abcdef0123456789abcdef"


def test_manifest_round_trips_and_is_accepted_by_a_unit() -> None:
    command = manifest_command(ORDER)
    assert manifest_from_command(command) == ORDER
    [out] = SESSION.encode_command(
        Command(
            CID,
            "firmware_update",
            {"version": "2.1.0", "size": ORDER.size, "sha256": ORDER.sha256},
            9,
        )
    )
    received = receive_command(out.payload)
    assert received.problem is None
    [mfg] = received.commands
    assert isinstance(mfg, MfgCommand) and manifest_from_command(mfg) == ORDER


def test_file_transfer_command_carries_a_fragment() -> None:
    data = base64.b64encode(IMAGE[1024:2048]).decode()
    params = {"size": len(IMAGE), "offset": 1024, "data": data}
    [out] = SESSION.encode_command(Command(CID, "file_transfer", params, 9))
    received = receive_command(out.payload)
    assert received.problem is None
    assert received.commands == (FileTransfer(1, len(IMAGE), 1024, IMAGE[1024:2048]),)


@pytest.mark.parametrize(
    "params",
    [
        {"version": "2.1.0", "size": 10, "sha256": "AB" * 32},
        {"version": "", "size": 10, "sha256": "ab" * 32},
        {"version": "2.1.0", "size": 0, "sha256": "ab" * 32},
        {"version": "2.1.0", "size": 10},
    ],
)
def test_bad_firmware_update_params_are_refused(params: dict[str, object]) -> None:
    with pytest.raises(CodecError):
        SESSION.encode_command(Command(CID, "firmware_update", params, 9))


@pytest.mark.parametrize(
    "params",
    [
        {"size": 10, "offset": 8, "data": base64.b64encode(b"abc").decode()},  # past the end
        {"size": 10, "offset": 0, "data": "not base64!"},
        {"size": 10, "offset": 0},
    ],
)
def test_bad_fragments_are_refused(params: dict[str, object]) -> None:
    with pytest.raises(CodecError):
        SESSION.encode_command(Command(CID, "file_transfer", params, 9))


def _reply_to(command_name: str, params: dict[str, object], answer: FileTransferStatus) -> bytes:
    [out] = SESSION.encode_command(Command(CID, command_name, params, 9))
    received = receive_command(out.payload)
    return encode_command_reply(received, ReplyStatus.CONFIRMED, 5, 6, [answer])


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (FtStatus.PROCEED, CommandReply(CID, "confirmed", "ft_proceed", 6)),
        (FtStatus.PROCESSED, CommandReply(CID, "confirmed", "ft_processed", 6)),
        (FtStatus.REBOOTING, CommandReply(CID, "confirmed", "ft_rebooting", 6)),
        (FtStatus.INVALID, CommandReply(CID, "failed", "ft_invalid", 6)),
        (FtStatus.ABORT, CommandReply(CID, "failed", "ft_abort", 6)),
    ],
)
def test_hub_reads_ftstat_answers(status: FtStatus, expected: CommandReply) -> None:
    params = {"size": 4, "offset": 0, "data": base64.b64encode(b"abcd").decode()}
    payload = _reply_to("file_transfer", params, FileTransferStatus(status))
    assert SESSION.decode("reply", payload) == [expected]


def test_a_nak_still_rejects_a_fragment() -> None:
    [out] = SESSION.encode_command(
        Command(CID, "file_transfer", {"size": 4, "offset": 0, "data": "YWJjZA=="}, 9)
    )
    received = receive_command(out.payload)
    payload = encode_command_reply(received, ReplyStatus.REJECTED, 5, 6, [Nak(0x09)])
    assert SESSION.decode("reply", payload) == [
        CommandReply(CID, "rejected", "nak_unable_to_process", 6)
    ]


def test_progress_reports_become_firmware_events() -> None:
    report = encode_report(
        40,
        7,
        [progress_reply(DoorProgress("downloading", "2.1.0", bytes.fromhex(CID), 30))],
    )
    assert SESSION.decode("up", report) == [
        Event(
            40,
            7,
            "firmware",
            {"state": "downloading", "version": "2.1.0", "progress_pct": 30, "command_id": CID},
        )
    ]
    failed = DoorProgress("failed", "2.1.0", bytes.fromhex(CID), None, "checksum_mismatch")
    [event] = SESSION.decode("up", encode_report(41, 8, [progress_reply(failed)]))
    assert event.data["reason"] == "checksum_mismatch"  # type: ignore[union-attr]


def test_receiver_checks_the_whole_image() -> None:
    receiver = FileReceiver(ORDER)
    pieces = fragments(IMAGE, 700)
    # out of order and with a repeat, as a resumed transfer may send them
    for piece in (pieces[1], pieces[0], pieces[1], pieces[2]):
        assert receiver.receive(piece).status == FtStatus.PROCEED
    assert receiver.verified is None
    assert receiver.receive(pieces[3]).status == FtStatus.PROCESSED
    assert receiver.verified is True and receiver.data == IMAGE
    assert receiver.receive(pieces[3]).status == FtStatus.PROCESSED  # a repeated last one


def test_receiver_refuses_a_corrupted_or_wrong_sized_image() -> None:
    receiver = FileReceiver(ORDER)
    corrupted = bytearray(IMAGE)
    corrupted[100] ^= 0xFF
    statuses = [receiver.receive(p).status for p in fragments(bytes(corrupted), 1000)]
    assert statuses[-1] == FtStatus.INVALID and receiver.failure == "checksum_mismatch"
    wrong = FileReceiver(ORDER)
    assert wrong.receive(FileTransfer(1, 5, 0, b"abcde")).status == FtStatus.INVALID
    assert wrong.failure == "size_mismatch"


def test_ft_reasons() -> None:
    assert ft_reason(1) == "ft_processed" and ft_reason(-3) == "ft_invalid"
    assert ft_reason(77) == "ft_77"


# ------------------------------------------------------------------ properties
versions = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=32)
digests = st.binary(min_size=32, max_size=32).map(bytes.hex)


@given(versions, st.integers(1, 2**31 - 1), digests)
def test_manifests_round_trip(version: str, size: int, sha256: str) -> None:
    order = FirmwareOrder(version, size, sha256)
    assert manifest_from_command(manifest_command(order)) == order


@given(
    st.sampled_from(FIRMWARE_STATES),
    versions,
    st.uuids().map(lambda u: u.bytes),
    st.none() | st.integers(0, 100),
    st.none()
    | st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64),
)
def test_progress_round_trips(
    state: str, version: str, command_id: bytes, percent: int | None, reason: str | None
) -> None:
    progress = DoorProgress(state, version, command_id, percent, reason)  # type: ignore[arg-type]
    reply = progress_reply(progress)
    assert progress_from_reply(decode_reply_data(reply.CODE, reply.to_data())) == progress  # type: ignore[arg-type]


@given(st.integers(0, 255), st.integers(0, 2**32 - 1), st.binary(max_size=300), st.data())
def test_fragments_and_ftstat_round_trip(
    file_type: int, total: int, data: bytes, draw: st.DataObject
) -> None:
    total = max(total, len(data))
    offset = draw.draw(st.integers(0, total - len(data)))
    command = FileTransfer(file_type, total, offset, data)
    assert decode_command_data(command.CODE, command.to_data()) == command
    answer = FileTransferStatus(
        draw.draw(st.integers(-(2**15), 2**15 - 1)),
        draw.draw(st.integers(0, 255)),
        draw.draw(st.integers(0, 0xFFFF)),
        draw.draw(st.integers(0, 0xFFFF)),
    )
    assert decode_reply_data(answer.CODE, answer.to_data()) == answer


@given(st.binary(max_size=120))
def test_arbitrary_bytes_raise_only_osdp_errors(data: bytes) -> None:
    for parse in (
        lambda: decode_command_data(0x7C, data),
        lambda: decode_reply_data(0x7A, data),
        lambda: manifest_from_command(MfgCommand(0x554802, b"\x02" + data)),
        lambda: progress_from_reply(MfgReply(0x554802, b"\x02" + data)),
    ):
        with contextlib.suppress(OsdpError):
            parse()
