"""The hub's view: definitions, routing, sessions, base records and commands."""

from __future__ import annotations

import json

import pytest

from firmware_protocols.base import (
    CodecError,
    Command,
    CommandReply,
    Event,
    Outbound,
    Presence,
    StateReport,
    Telemetry,
)
from firmware_protocols.codecs import Codecs, UnknownDefinition
from firmware_protocols.lockerlink import (
    Compartment,
    Deposit,
    FirmwareProgress,
    LastWill,
    Reply,
    StatusOffline,
    StatusOnline,
    Tamper,
    TelemetryV1,
    TelemetryV2,
    compartments_map,
    decode_command,
    encode_event,
    encode_reply,
    encode_status,
    encode_telemetry,
    uplink_outbound,
    will_outbound,
)
from firmware_protocols.lockerlink.definitions import DEFINITIONS
from firmware_protocols.lockerlink.messages import CompartmentState

ID = "b2748793bb4345e6b5b936af5a271b09"
CODECS = Codecs(DEFINITIONS)
V1 = CODECS.resolve("lockerlink", "1.8.2")
V2 = CODECS.resolve("lockerlink", "2.3.1")


def test_two_generations_register_and_resolve_by_major_version() -> None:
    assert [(d.protocol, tuple(d.firmware_versions), d.kind) for d in DEFINITIONS] == [
        ("lockerlink", ("1",), "locker"),
        ("lockerlink", ("2",), "locker"),
    ]
    assert V1 is DEFINITIONS[0] and V2 is DEFINITIONS[1]
    assert CODECS.resolve("lockerlink", "v2") is V2
    with pytest.raises(UnknownDefinition):
        CODECS.resolve("lockerlink", "3.0.0")
    assert set(V1.commands) == set(V2.commands) == {"open_compartment", "reboot", "firmware_update"}


def test_subscriptions_share_telemetry_and_events_only() -> None:
    subs = {s.topic_filter: (s.shared, s.qos) for s in CODECS.subscriptions()}
    assert subs == {
        "lockerlink/+/status": (False, 1),
        "lockerlink/+/reply": (False, 1),
        "lockerlink/+/telemetry": (True, 1),
        "lockerlink/+/event": (True, 1),
    }


@pytest.mark.parametrize(
    ("topic", "routed"),
    [
        ("lockerlink/LK-0412/status", ("LK-0412", "status")),
        ("lockerlink/LK-0412/telemetry", ("LK-0412", "telemetry")),
        ("lockerlink/LK-0412/event", ("LK-0412", "event")),
        ("lockerlink/LK-0412/reply", ("LK-0412", "reply")),
        ("lockerlink/LK-0412/cmd", None),
        ("lockerlink/LK-0412/other", None),
        ("lockerlink//status", None),
        ("lockerlink/a/b/status", None),
        ("spBv1.0/g/NDATA/n", None),
        ("lockerlink/LK-0412", None),
    ],
)
def test_route(topic: str, routed: tuple[str, str] | None) -> None:
    assert V1.route(topic) == routed
    assert CODECS.route(topic) == (None if routed is None else ("lockerlink", *routed))


def test_device_topics() -> None:
    topics = V2.device_topics("LK-0412")
    assert topics.status == "lockerlink/LK-0412/status"
    assert list(topics.subscribe) == ["lockerlink/LK-0412/cmd"]
    assert sorted(topics.publish) == [
        "lockerlink/LK-0412/event",
        "lockerlink/LK-0412/reply",
        "lockerlink/LK-0412/status",
        "lockerlink/LK-0412/telemetry",
    ]
    for bad in ("", "a/b", "a+", "#", "x" * 129):
        with pytest.raises(ValueError):
            V2.device_topics(bad)


def test_status_becomes_presence_and_firmware() -> None:
    session = V1.session("LK-0412")
    online = StatusOnline(1, 5, 1000, "1.8.2", "KL-24C", 24)
    presence, state = session.decode("status", encode_status(online))
    assert presence == Presence(True, "online", 1000, {"v": 1, "seq": 5, "fw": "1.8.2"})
    assert isinstance(state, StateReport)
    assert state.state["firmware"] == "1.8.2" and state.state["compartment_count"] == 24
    [offline] = session.decode("status", encode_status(StatusOffline(1, 6, 2000, "reboot")))
    assert offline == Presence(False, "reboot", 2000, {"v": 1, "seq": 6})
    [will] = session.decode("status", encode_status(LastWill(1)))
    assert isinstance(will, Presence)
    assert (will.online, will.reason, will.ts_ms) == (False, "connection_lost", None)


def test_v1_and_v2_give_the_same_compartment_map() -> None:
    """Compartment 1 empty, 2 occupied, 3 door open; v2 adds only the size."""
    v1 = TelemetryV1(1, 1, 3, frozenset({3}), frozenset({2}), "mains", 100, 30.0)
    states: tuple[CompartmentState, ...] = ("empty", "occupied", "open")
    v2 = TelemetryV2(
        1,
        1,
        tuple(Compartment(n, "M", s) for n, s in zip((1, 2, 3), states, strict=True)),
        "mains",
        100,
        30.0,
    )
    expected = {
        "1": {"state": "empty", "door": "closed", "occupied": False},
        "2": {"state": "occupied", "door": "closed", "occupied": True},
        "3": {"state": "open", "door": "open", "occupied": False},
    }
    assert compartments_map(v1) == expected
    assert compartments_map(v2) == {k: c | {"size": "M"} for k, c in expected.items()}


def test_v1_open_door_wins_over_the_item_sensor() -> None:
    v1 = TelemetryV1(1, 1, 1, frozenset({1}), frozenset({1}), "mains", 100, 30.0)
    assert compartments_map(v1) == {"1": {"state": "open", "door": "open", "occupied": True}}


def test_telemetry_records_for_both_generations() -> None:
    v1 = TelemetryV1(9, 99, 24, frozenset({3}), frozenset({1, 2, 4, 13}), "battery", 64, 31.5)
    telemetry, state = V1.session("LK-1").decode("telemetry", encode_telemetry(v1))
    assert telemetry == Telemetry(
        9,
        99,
        {
            "compartment_count": 24.0,
            "occupied_count": 4.0,
            "open_count": 1.0,
            "fault_count": 0.0,
            "board_temp_c": 31.5,
            "battery_pct": 64.0,
            "on_mains": 0.0,
        },
    )
    assert isinstance(state, StateReport) and state.state["power"] == "battery"
    assert len(state.state["compartments"]) == 24

    v2 = TelemetryV2(
        10, 100, (Compartment(1, "S", "fault"), Compartment(2, "L", "occupied")), "mains", 97, 28.0
    )
    telemetry, state = V1.session("LK-1").decode("telemetry", encode_telemetry(v2))
    assert isinstance(telemetry, Telemetry)
    assert telemetry.metrics["fault_count"] == 1.0 and telemetry.metrics["on_mains"] == 1.0
    assert telemetry.metrics["occupied_count"] == 1.0 and telemetry.metrics["open_count"] == 0.0
    assert isinstance(state, StateReport)
    assert state.state["compartments"]["1"] == {
        "state": "fault",
        "door": "closed",
        "occupied": False,
        "size": "S",
    }


def test_events_and_replies() -> None:
    session = V2.session("LK-0412")
    deposit = Deposit(2, 40120, 5, 5, "SF1402937465", "C0412-B07", "12-03")
    assert session.decode("event", encode_event(deposit)) == [
        Event(
            40120,
            5,
            "deposit",
            {
                "compartment": 5,
                "tracking": "SF1402937465",
                "building": "C0412-B07",
                "unit": "12-03",
            },
        )
    ]
    assert session.decode("event", encode_event(Tamper(2, 1, 2))) == [Event(1, 2, "tamper", {})]
    reply = Reply(2, 7, 8, ID, "failed", "latch_jammed")
    assert session.decode("reply", encode_reply(reply)) == [
        CommandReply(ID, "failed", "latch_jammed", 8)
    ]


def test_firmware_progress_becomes_the_hubs_firmware_event() -> None:
    session = V1.session("LK-0412")
    failed = FirmwareProgress(1, 9, 10, "failed", "2.0.0", ID, None, "checksum_mismatch")
    assert session.decode("event", encode_event(failed)) == [
        Event(
            9,
            10,
            "firmware",
            {
                "state": "failed",
                "version": "2.0.0",
                "reason": "checksum_mismatch",
                "command_id": ID,
            },
        )
    ]
    downloading = FirmwareProgress(1, 11, 12, "downloading", "2.0.0", ID, 30)
    [event] = session.decode("event", encode_event(downloading))
    assert event.data == {  # type: ignore[union-attr]
        "state": "downloading",
        "version": "2.0.0",
        "progress_pct": 30,
        "command_id": ID,
    }


def test_firmware_update_command() -> None:
    params = {"version": "2.0.0", "size": 1000, "sha256": "ab" * 32, "url": "https://h/fw/t"}
    [out] = V1.session("LK-1").encode_command(Command(ID, "firmware_update", params, 5))
    assert json.loads(out.payload) == {
        "v": 1,
        "id": ID,
        "cmd": "firmware_update",
        "expires_at": 5,
        **params,
    }


def test_unknown_channel_is_a_codec_error() -> None:
    with pytest.raises(CodecError) as caught:
        V2.session("LK-1").decode("cmd", b"{}")
    assert caught.value.reason == "unknown_channel"


def test_open_compartment_command_per_generation() -> None:
    command = Command(ID, "open_compartment", {"compartment": 13, "reason": "resident_pickup"}, 77)
    for definition, v in ((V1, 1), (V2, 2)):
        [out] = definition.session("LK-0412").encode_command(command)
        assert (out.topic, out.qos, out.retain) == ("lockerlink/LK-0412/cmd", 1, False)
        assert json.loads(out.payload) == {
            "v": v,
            "id": ID,
            "cmd": "open_compartment",
            "expires_at": 77,
            "compartment": 13,
            "reason": "resident_pickup",
        }
        assert decode_command(out.payload).v == v


def test_reboot_command() -> None:
    [out] = V1.session("LK-1").encode_command(Command(ID, "reboot", {}, 5))
    assert json.loads(out.payload) == {"v": 1, "id": ID, "cmd": "reboot", "expires_at": 5}


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (Command(ID, "unlock_all", {}, 5), "unknown_command"),
        (Command(ID, "reboot", {"force": True}, 5), "bad_field"),
        (Command(ID, "open_compartment", {"compartment": 3}, 5), "missing_field"),
        (Command(ID, "open_compartment", {"compartment": 0, "reason": "service"}, 5), "bad_field"),
        (Command(ID, "open_compartment", {"compartment": 3, "reason": "fun"}, 5), "bad_field"),
        (Command("1234", "reboot", {}, 5), "bad_field"),
        (Command(ID, "reboot", {}, -5), "bad_field"),
        (
            Command(ID, "firmware_update", {"version": "2", "size": 1, "sha256": "ab" * 32}, 5),
            "missing_field",
        ),
        (
            Command(
                ID,
                "firmware_update",
                {"version": "2", "size": 1, "sha256": "AB" * 32, "url": "https://h/x"},
                5,
            ),
            "bad_field",
        ),
        (
            Command(
                ID,
                "firmware_update",
                {"version": "2", "size": 0, "sha256": "ab" * 32, "url": "https://h/x"},
                5,
            ),
            "bad_field",
        ),
        (
            Command(
                ID,
                "firmware_update",
                {"version": "2", "size": 9, "sha256": "ab" * 32, "url": "ftp://h/x"},
                5,
            ),
            "bad_field",
        ),
    ],
)
def test_bad_commands_are_refused(command: Command, reason: str) -> None:
    with pytest.raises(CodecError) as caught:
        V2.session("LK-1").encode_command(command)
    assert caught.value.reason == reason


def test_device_side_outbound_messages() -> None:
    will = will_outbound("LK-0412", 2)
    assert will == Outbound(
        "lockerlink/LK-0412/status",
        b'{"v":2,"state":"offline","reason":"connection_lost"}',
        1,
        True,
    )
    online = uplink_outbound("LK-0412", StatusOnline(2, 1, 2, "2.3.1", "PL", 24))
    assert (online.topic, online.retain) == ("lockerlink/LK-0412/status", True)
    tel = uplink_outbound(
        "LK-0412", TelemetryV1(1, 1, 8, frozenset(), frozenset(), "mains", 100, 20.0)
    )
    assert (tel.topic, tel.qos, tel.retain) == ("lockerlink/LK-0412/telemetry", 1, False)
    ev = uplink_outbound("LK-0412", Tamper(2, 3, 4))
    assert (ev.topic, ev.retain) == ("lockerlink/LK-0412/event", False)
    rep = uplink_outbound("LK-0412", Reply(2, 5, 6, ID, "accepted"))
    assert (rep.topic, rep.retain) == ("lockerlink/LK-0412/reply", False)
