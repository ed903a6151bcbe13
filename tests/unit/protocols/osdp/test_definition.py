"""The hub's view: topics, subscriptions, uplink records and command encoding."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from firmware_protocols.base import (
    CodecError,
    Command,
    CommandReply,
    Event,
    Presence,
    StateReport,
    Telemetry,
)
from firmware_protocols.codecs import Codecs
from firmware_protocols.command_guard import CommandGuard
from firmware_protocols.osdp import door
from firmware_protocols.osdp.allowlist_chunks import AllowEntry, AllowList, allowlist_from_commands
from firmware_protocols.osdp.codes import LedColor, NakError, OutputControl
from firmware_protocols.osdp.commands import (
    BuzzerCommand,
    LedCommand,
    MfgCommand,
    OutCommand,
    OutputRecord,
)
from firmware_protocols.osdp.definitions import DEFINITIONS, OsdpSession
from firmware_protocols.osdp.device import (
    admit,
    encode_command_reply,
    encode_report,
    receive_command,
)
from firmware_protocols.osdp.envelope import ReplyStatus
from firmware_protocols.osdp.replies import (
    Ack,
    InputStatusReply,
    KeypadReply,
    LocalStatusReply,
    Nak,
    PdIdReply,
    RawCardReply,
)
from firmware_protocols.osdp.status import LAST_WILL, DeviceStatus, encode_status

NOW = 1_700_000_000_000
DEFINITION = DEFINITIONS[0]
SESSION = DEFINITION.session("door-17")


def command(name: str, **params: Any) -> Command:
    return Command(uuid.uuid4().hex, name, params, NOW + 10_000)


def test_definition_fields_and_codecs() -> None:
    codecs = Codecs(DEFINITIONS)
    assert codecs.resolve("osdp", "2.3.1") is DEFINITION
    assert codecs.resolve("osdp", "1") is DEFINITION
    assert DEFINITION.kind == "door"
    assert set(DEFINITION.commands) == {
        "unlock",
        "grant_access",
        "deny_access",
        "led",
        "buzzer",
        "push_allowlist",
        "firmware_update",
        "file_transfer",
    }
    assert isinstance(SESSION, OsdpSession)


def test_subscriptions_route_and_device_topics() -> None:
    subs = {s.topic_filter: (s.shared, s.qos) for s in DEFINITION.subscriptions()}
    assert subs == {
        "osdp/+/status": (False, 1),
        "osdp/+/up": (True, 1),
        "osdp/+/reply": (False, 1),
    }
    assert DEFINITION.route("osdp/door-17/up") == ("door-17", "up")
    assert DEFINITION.route("osdp/door-17/status") == ("door-17", "status")
    assert DEFINITION.route("osdp/door-17/reply") == ("door-17", "reply")
    for other in ("osdp/door-17/cmd", "osdp//up", "lockers/x/up", "osdp/a/b/up", "osdp/x"):
        assert DEFINITION.route(other) is None
    topics = DEFINITION.device_topics("door-17")
    assert set(topics.publish) == {"osdp/door-17/status", "osdp/door-17/up", "osdp/door-17/reply"}
    assert list(topics.subscribe) == ["osdp/door-17/cmd"]
    assert topics.status == "osdp/door-17/status"
    with pytest.raises(CodecError):
        DEFINITION.device_topics("a/b")


def test_status_online_offline_and_will() -> None:
    online = encode_status(
        DeviceStatus(True, firmware="2.1.0", model="DU-200", ts=NOW, allowlist_version=4)
    )
    presence, state = SESSION.decode("status", online)
    assert presence == Presence(
        True, "online", NOW, {"firmware": "2.1.0", "model": "DU-200", "allowlist_version": 4}
    )
    assert state == StateReport({"firmware": "2.1.0", "model": "DU-200", "allowlist_version": 4})
    assert SESSION.decode("status", LAST_WILL) == [Presence(False, "lwt", None)]
    shutdown = b'{"online": false, "reason": "shutdown", "ts": 5}'
    assert SESSION.decode("status", shutdown) == [Presence(False, "shutdown", 5)]
    odd = b'{"online": false, "reason": "cosmic rays"}'
    assert SESSION.decode("status", odd) == [Presence(False, "offline", None)]
    assert SESSION.decode("status", b'{"online": true}') == [Presence(True, "online", None)]


def test_card_read_event() -> None:
    payload = encode_report(11, NOW, [RawCardReply(0, "00101101000000001010001000")])
    (event,) = SESSION.decode("up", payload)
    assert event == Event(
        11,
        NOW,
        "card_read",
        {
            "reader": 0,
            "format": 1,
            "bit_count": 26,
            "bits": "00101101000000001010001000",
            "facility": 90,
            "card": 324,
            "wiegand_format": "H10301",
            "parity_ok": True,
        },
    )


def test_card_read_with_parity_error_and_unknown_length() -> None:
    bad = "10101101000000001010001000"  # first parity bit flipped
    (event,) = SESSION.decode("up", encode_report(1, NOW, [RawCardReply(0, bad)]))
    assert event.data["parity_ok"] is False  # type: ignore[union-attr]
    assert event.data["facility"] is None and event.data["card"] is None  # type: ignore[union-attr]
    assert event.data["wiegand_format"] == "H10301"  # type: ignore[union-attr]
    (odd,) = SESSION.decode("up", encode_report(2, NOW, [RawCardReply(1, "1" * 37)]))
    assert odd.data["wiegand_format"] is None and odd.data["parity_ok"] is None  # type: ignore[union-attr]
    assert odd.data["reader"] == 1 and odd.data["bit_count"] == 37  # type: ignore[union-attr]


def test_h10306_card_read() -> None:
    bits = "0" + "1" * 16 + "0" * 15 + "1" + "0"
    (event,) = SESSION.decode("up", encode_report(3, NOW, [RawCardReply(0, bits)]))
    assert event.data["facility"] == 0xFFFF and event.data["card"] == 1  # type: ignore[union-attr]
    assert event.data["wiegand_format"] == "H10306"  # type: ignore[union-attr]


def test_keypad_inputs_and_local_status() -> None:
    session = DEFINITION.session("door-18")  # its own: a session remembers the last report
    payload = encode_report(
        12,
        NOW,
        [
            KeypadReply(0, "1234#"),
            door.inputs_reply(door_open=True, exit_request=False),
            door.local_status_reply(tamper=True, power_ok=False),
        ],
    )
    assert session.decode("up", payload) == [
        Event(12, NOW, "keypad", {"reader": 0, "digits": "1234#"}),
        Event(12, NOW, "inputs", {"door": "open", "exit_request": False}),
        StateReport({"door": "open", "exit_request": False}),
        Telemetry(12, NOW, {"door_open": 1.0}),
        Event(12, NOW, "local_status", {"tamper": True, "power_ok": False}),
        StateReport({"tamper": True, "power_ok": False}),
    ]
    closed = session.decode("up", encode_report(13, NOW, [InputStatusReply((0, 1, 0, 0))]))
    assert closed[0] == Event(13, NOW, "inputs", {"door": "closed", "exit_request": True})
    assert closed[2] == Telemetry(13, NOW, {"door_open": 0.0})
    contact_only = session.decode("up", encode_report(14, NOW, [InputStatusReply((1,))]))
    assert contact_only[1] == StateReport({"door": "open", "exit_request": False})
    assert session.decode("up", encode_report(15, NOW, [LocalStatusReply(0, 0)]))[0] == Event(
        15, NOW, "local_status", {"tamper": False, "power_ok": True}
    )


def test_repeated_inputs_and_status_are_state_not_events() -> None:
    session = DEFINITION.session("door-19")
    report = [
        door.inputs_reply(door_open=False, exit_request=False),
        door.local_status_reply(tamper=False, power_ok=True),
    ]
    first = session.decode("up", encode_report(1, NOW, report))
    assert [r.type for r in first if isinstance(r, Event)] == ["inputs", "local_status"]
    # The heartbeat repeats both: the twin and the reading, no events.
    again = session.decode("up", encode_report(2, NOW + 30_000, report))
    assert not [r for r in again if isinstance(r, Event)]
    assert StateReport({"door": "closed", "exit_request": False}) in again
    assert Telemetry(2, NOW + 30_000, {"door_open": 0.0}) in again
    # A change is an event again; so is every exit request, repeated or not.
    opened = session.decode("up", encode_report(3, NOW, [door.inputs_reply(True, False)]))
    assert Event(3, NOW, "inputs", {"door": "open", "exit_request": False}) in opened
    for seq in (4, 5):
        pressed = session.decode("up", encode_report(seq, NOW, [door.inputs_reply(True, True)]))
        assert Event(seq, NOW, "inputs", {"door": "open", "exit_request": True}) in pressed
    tampered = session.decode("up", encode_report(6, NOW, [door.local_status_reply(True, True)]))
    assert Event(6, NOW, "local_status", {"tamper": True, "power_ok": True}) in tampered
    # Another session (another unit, or the hub after a restart) starts afresh.
    fresh = DEFINITION.session("door-19").decode("up", encode_report(7, NOW, report))
    assert len([r for r in fresh if isinstance(r, Event)]) == 2


def test_reports_without_known_frames_are_refused() -> None:
    for replies in ([Ack()], [PdIdReply(1, 2, 3, 4, 5, 6, 7)], [InputStatusReply(())]):
        with pytest.raises(CodecError):
            SESSION.decode("up", encode_report(1, NOW, replies))


def _round_trip(cmd: Command, status: ReplyStatus, replies: list[Any] | None = None) -> Any:
    received = receive_command(SESSION.encode_command(cmd)[0].payload)
    (reply,) = SESSION.decode("reply", encode_command_reply(received, status, 1, NOW, replies))
    return reply


def test_replies_map_to_command_statuses() -> None:
    cmd = command("unlock")
    assert _round_trip(cmd, ReplyStatus.CONFIRMED) == CommandReply(
        cmd.command_id, "confirmed", None, NOW
    )
    assert _round_trip(cmd, ReplyStatus.EXPIRED).status == "expired"
    assert _round_trip(cmd, ReplyStatus.REPLAYED).status == "replayed"
    rejected = _round_trip(cmd, ReplyStatus.REJECTED, [Nak(NakError.UNKNOWN_COMMAND)])
    assert (rejected.status, rejected.reason) == ("rejected", "nak_unknown_command")
    assert _round_trip(cmd, ReplyStatus.REJECTED, []).reason == "rejected"
    # a NAK among the replies of a "confirmed" envelope still means rejected
    mixed = _round_trip(cmd, ReplyStatus.CONFIRMED, [Ack(), Nak(NakError.BAD_LENGTH)])
    assert (mixed.status, mixed.reason) == ("rejected", "nak_bad_length")


def test_unlock_and_grant_access_frames() -> None:
    for name in ("unlock", "grant_access"):
        (out,) = SESSION.encode_command(command(name, pulse_ms=5000))
        assert out.topic == "osdp/door-17/cmd" and out.qos == 1 and not out.retain
        received = receive_command(out.payload)
        assert received.expires_at_ms == NOW + 10_000
        out_cmd, led, buz = received.commands
        assert out_cmd == OutCommand((OutputRecord(0, OutputControl.TEMPORARY_ON, 50),))
        assert isinstance(led, LedCommand) and led.records[0].temporary.on_color == LedColor.GREEN
        assert led.records[0].temporary.timer == 50
        assert isinstance(buz, BuzzerCommand) and buz.count == 1
    default = receive_command(SESSION.encode_command(command("unlock"))[0].payload)
    assert default.commands[0] == OutCommand((OutputRecord(0, 5, 30),))
    rounded = receive_command(SESSION.encode_command(command("unlock", pulse_ms=250))[0].payload)
    assert rounded.commands[0] == OutCommand((OutputRecord(0, 5, 3),))


def test_deny_led_buzzer_and_allowlist_frames() -> None:
    denied = receive_command(SESSION.encode_command(command("deny_access"))[0].payload)
    led, buz = denied.commands
    assert isinstance(led, LedCommand) and led.records[0].temporary.on_color == LedColor.RED
    assert buz == BuzzerCommand(0, 2, 1, 1, 2)
    assert not any(isinstance(c, OutCommand) for c in denied.commands)
    led_cmd = command("led", color="amber", duration_ms=1500, on_ms=500, off_ms=500)
    (blink,) = receive_command(SESSION.encode_command(led_cmd)[0].payload).commands
    assert isinstance(blink, LedCommand)
    temp = blink.records[0].temporary
    assert (temp.on_color, temp.off_color, temp.on_time, temp.off_time, temp.timer) == (
        3,
        0,
        5,
        5,
        15,
    )
    (steady,) = receive_command(
        SESSION.encode_command(command("led", color="blue"))[0].payload
    ).commands
    assert isinstance(steady, LedCommand) and steady.records[0].permanent.on_color == 4
    (beeps,) = receive_command(
        SESSION.encode_command(command("buzzer", count=3, on_ms=200))[0].payload
    ).commands
    assert beeps == BuzzerCommand(0, 2, 2, 1, 3)
    entries = [{"format": "H10301", "facility": 90, "card": 324}]
    push = receive_command(
        SESSION.encode_command(command("push_allowlist", version=9, entries=entries))[0].payload
    )
    assert all(isinstance(c, MfgCommand) for c in push.commands)
    mfg = [c for c in push.commands if isinstance(c, MfgCommand)]
    assert allowlist_from_commands(mfg) == AllowList(9, (AllowEntry("H10301", 90, 324),))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("reboot", {}),
        ("unlock", {"pulse_ms": "3000"}),
        ("unlock", {"pulse_ms": 0}),
        ("unlock", {"pulse_ms": 7_000_000}),
        ("unlock", {"door": 2}),
        ("deny_access", {"why": "x"}),
        ("led", {}),
        ("led", {"color": "purple"}),
        ("buzzer", {"count": 256}),
        ("push_allowlist", {"version": 1}),
        ("push_allowlist", {"version": 1, "entries": [{"format": "H10301", "card": 1}]}),
        (
            "push_allowlist",
            {"version": 1, "entries": [{"format": "H10301", "facility": 256, "card": 1}]},
        ),
    ],
)
def test_bad_commands_raise_codec_error(name: str, params: dict[str, Any]) -> None:
    with pytest.raises(CodecError):
        SESSION.encode_command(command(name, **params))


def test_bad_command_id_and_expiry() -> None:
    with pytest.raises(CodecError):
        SESSION.encode_command(Command("not-a-uuid", "unlock", {}, NOW))
    with pytest.raises(CodecError):
        SESSION.encode_command(Command(uuid.uuid4().hex, "unlock", {}, -1))
    dashed = str(uuid.uuid4())
    received = receive_command(
        SESSION.encode_command(Command(dashed, "unlock", {}, NOW))[0].payload
    )
    assert received.command_id.hex() == dashed.replace("-", "")


def test_unknown_channel() -> None:
    with pytest.raises(CodecError) as info:
        SESSION.decode("cmd", b"")
    assert info.value.reason == "unknown_channel"


def test_simulated_unit_end_to_end() -> None:
    """The hub's command, judged by the firmware guard, answered, read back by the hub."""
    guard = CommandGuard()
    cmd = command("grant_access", pulse_ms=2000)
    payload = SESSION.encode_command(cmd)[0].payload
    statuses = []
    for now in (NOW, NOW + 1):  # the broker redelivers it once
        received = receive_command(payload)
        status = admit(received, guard, now)
        (reply,) = SESSION.decode("reply", encode_command_reply(received, status, 1, now))
        statuses.append(reply.status)
    assert statuses == ["confirmed", "replayed"]
    late = command("unlock")
    received = receive_command(SESSION.encode_command(late)[0].payload)
    assert admit(received, guard, NOW + 10_001) is ReplyStatus.EXPIRED
