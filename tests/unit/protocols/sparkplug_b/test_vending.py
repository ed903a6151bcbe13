"""The vending model end to end: simulator encoder > hub definition > records, commands back."""

from __future__ import annotations

import datetime as dt

import pysparkplug as psp
import pytest

from firmware_protocols.base import (
    CodecError,
    Command,
    CommandReply,
    Event,
    Outbound,
    Presence,
    SequenceGap,
    StateReport,
    Telemetry,
    Uplink,
)
from firmware_protocols.codecs import Codecs
from firmware_protocols.sparkplug_b import (
    CommandGuard,
    DataType,
    EdgeNode,
    Metric,
    Payload,
    Verdict,
    encode_payload,
)
from firmware_protocols.sparkplug_b.definitions import (
    DEFINITIONS,
    SparkplugDefinition,
    parse_channel,
)
from firmware_protocols.sparkplug_b.vending_commands import (
    Decision,
    VendingCommand,
    admit,
    encode_command,
    judge_command,
    parse_command,
    rebirth_request,
)
from firmware_protocols.sparkplug_b.vending_model import (
    SlotState,
    UpdateStatus,
    device_birth_metrics,
    node_birth_metrics,
    reply_values,
    vend_values,
)

T0 = 1_700_000_000_000
CID = "0123456789abcdef0123456789abcdef"
UPDATE = {"version": "2.5.0", "size": 4096, "sha256": "ab" * 32, "url": "https://hub/fw/t"}
DEX = "DXS*9252131001*VA*V0/6*1\r\nST*001*0001\r\nVA1*12345*67\r\nSE*3*0001\r\nDXE*1*1\r\n"


class Machine:
    """A simulated vending machine wired to the hub's definition."""

    def __init__(self) -> None:
        self.definition = SparkplugDefinition(clock=lambda: T0 + 999)
        self.session = self.definition.session("vm-0042")
        self.node = EdgeNode("vending", "vm-0042")
        self.will = self.node.connect(T0)

    def hub(self, out: Outbound) -> list[Uplink]:
        routed = self.definition.route(out.topic)
        assert routed is not None and routed[0] == "vm-0042"
        return list(self.session.decode(routed[1], out.payload))

    def boot(self) -> list[Uplink]:
        records = self.hub(self.node.nbirth(node_birth_metrics("2.4.1", "VM-X"), T0))
        slots = {1: SlotState(5, 350, 10), 12: SlotState(0, 500, 8)}
        metrics = device_birth_metrics(
            temperature_c=4.5, setpoint_c=4.0, door_open=False, compressor_on=True, slots=slots
        )
        return records + self.hub(self.node.dbirth("vmc", metrics, T0 + 1))


def test_definition_registers_and_routes() -> None:
    codecs = Codecs(DEFINITIONS)
    assert codecs.resolve("sparkplug_b", "2.4.1").kind == "vending"
    assert codecs.resolve("sparkplug_b", "1").protocol == "sparkplug_b"
    subs = codecs.subscriptions()
    assert {s.topic_filter for s in subs} == {
        "spBv1.0/vending/NBIRTH/+",
        "spBv1.0/vending/NDEATH/+",
        "spBv1.0/vending/NDATA/+",
        "spBv1.0/vending/DBIRTH/+/+",
        "spBv1.0/vending/DDEATH/+/+",
        "spBv1.0/vending/DDATA/+/+",
    }
    assert not any(s.shared for s in subs)
    assert codecs.route("spBv1.0/vending/DDATA/vm-1/vmc") == ("sparkplug_b", "vm-1", "DDATA/vmc")
    assert codecs.route("spBv1.0/vending/NBIRTH/vm-1") == ("sparkplug_b", "vm-1", "NBIRTH")
    for topic in (
        "spBv1.0/vending/NCMD/vm-1",
        "spBv1.0/STATE/hub",
        "spBv1.0/other/NBIRTH/x",
        "spBv1.0/vending/NBIRTH/a/b/c",
        "lockers/x/status",
    ):
        assert DEFINITIONS[0].route(topic) is None
    topics = DEFINITIONS[0].device_topics("vm-1")
    assert topics.status == "spBv1.0/vending/NDEATH/vm-1"
    assert "spBv1.0/vending/DDATA/vm-1/+" in topics.publish
    assert "spBv1.0/vending/DCMD/vm-1/+" in topics.subscribe


@pytest.mark.parametrize("channel", ["", "DDATA", "NDATA/vmc", "XDATA/vmc", "DDATA/a/b"])
def test_unknown_channels(channel: str) -> None:
    with pytest.raises(CodecError, match="unknown_channel"):
        parse_channel(channel)


def test_births_report_presence_state_and_readings() -> None:
    records = Machine().boot()
    assert records[0] == Presence(True, "nbirth", T0, {"bd_seq": 0})
    assert records[1] == StateReport({"firmware": "2.4.1", "model": "VM-X"})
    assert records[2] == Presence(True, "dbirth", T0 + 1)
    assert records[3] == Telemetry(
        ((T0 + 1) << 8) | 1,
        T0 + 1,
        {
            "cabinet_temp_c": 4.5,
            "setpoint_c": 4.0,
            "door_open": 0.0,
            "compressor_on": 1.0,
            "slot_1_stock": 5.0,
            "slot_12_stock": 0.0,
        },
    )
    assert records[4] == StateReport(
        {
            "temperature_c": 4.5,
            "setpoint_c": 4.0,
            "door_open": False,
            "compressor_on": True,
            "slots": {
                "1": {"stock": 5, "price": 350, "capacity": 10},
                "12": {"stock": 0, "price": 500, "capacity": 8},
            },
            "fault_code": "",
        }
    )
    assert len(records) == 5  # births carry no events


def test_vend_is_one_event_with_telemetry_and_stock() -> None:
    machine = Machine()
    machine.boot()
    out = machine.node.ddata("vmc", {**vend_values(12, 500, "v-77"), "Slot/12/Stock": 7}, T0 + 5)
    key = ((T0 + 5) << 8) | 2
    assert machine.hub(out) == [
        Telemetry(key, T0 + 5, {"slot_12_stock": 7.0}),
        StateReport({"slots": {"12": {"stock": 7}}}),
        Event(key, T0 + 5, "vend", {"slot": 12, "price": 500, "vend_id": "v-77"}),
    ]


def test_faults_door_audit_and_reply() -> None:
    machine = Machine()
    machine.boot()
    out = machine.node.ddata(
        "vmc",
        {
            "Fault/Code": "COMP_FAIL",
            "Cabinet/Door": True,
            "DEX/Audit": DEX,
            **reply_values(CID, "confirmed", ""),
        },
        T0 + 9,
    )
    key = ((T0 + 9) << 8) | 2
    assert machine.hub(out) == [
        Telemetry(key, T0 + 9, {"door_open": 1.0}),
        StateReport({"door_open": True, "fault_code": "COMP_FAIL"}),
        Event(key, T0 + 9, "fault", {"code": "COMP_FAIL"}),
        Event(key, T0 + 9, "dex_audit", {"text": DEX}),
        CommandReply(CID, "confirmed", None, T0 + 9),
    ]
    cleared = machine.hub(machine.node.ddata("vmc", {"Fault/Code": ""}, T0 + 10))
    assert Event(((T0 + 10) << 8) | 3, T0 + 10, "fault_cleared", {}) in cleared


def test_node_command_reply_comes_in_ndata() -> None:
    machine = Machine()
    machine.boot()
    out = machine.node.ndata(reply_values(CID, "rejected", "busy"), T0 + 3)
    assert machine.hub(out) == [CommandReply(CID, "rejected", "busy", T0 + 3)]


def test_malformed_vend_and_reply_are_codec_errors() -> None:
    machine = Machine()
    machine.boot()
    with pytest.raises(CodecError, match="bad_field"):
        machine.hub(machine.node.ddata("vmc", vend_values(0, 100, "x"), T0))
    with pytest.raises(CodecError, match="bad_field"):
        machine.hub(
            machine.node.ddata("vmc", {"Command/Reply/Id": CID, "Command/Reply/Status": "ok"}, T0)
        )


def test_message_keys_increase_across_seq_wrap() -> None:
    machine = Machine()
    machine.boot()
    keys = []
    for i in range(300):
        records = machine.hub(machine.node.ddata("vmc", {"Cabinet/Temperature": 5.0}, T0 + 10 + i))
        assert not any(isinstance(r, SequenceGap) for r in records)
        keys.append(next(r.seq for r in records if isinstance(r, Telemetry)))
    assert keys == sorted(keys) and len(set(keys)) == 300


def test_gap_comes_first_and_stale_death_says_nothing() -> None:
    machine = Machine()
    machine.boot()
    machine.node.ddata("vmc", {"Cabinet/Temperature": 5.0}, T0)  # lost on the way (seq 2)
    records = machine.hub(machine.node.ddata("vmc", {"Cabinet/Temperature": 6.0}, T0 + 1))
    assert records[0] == SequenceGap(expected=2, received=3)
    assert isinstance(records[1], Telemetry)
    old_will = machine.will
    machine.will = machine.node.connect(T0 + 50)
    machine.boot()
    assert machine.hub(old_will) == []
    assert machine.hub(machine.will) == [Presence(False, "ndeath", T0 + 50, {"bd_seq": 1})]


def test_data_before_birth_asks_for_rebirth() -> None:
    machine = Machine()
    other = EdgeNode("vending", "vm-0042")
    other.connect(T0)
    other.nbirth(node_birth_metrics("1", "M"), T0)  # the hub missed this birth
    other.dbirth(
        "vmc",
        device_birth_metrics(
            temperature_c=1.0, setpoint_c=4.0, door_open=False, compressor_on=False, slots={}
        ),
        T0,
    )
    records = machine.hub(other.ddata("vmc", {"Cabinet/Temperature": 3.0}, T0))
    assert records == [SequenceGap(expected=-1, received=2)]


def test_ddeath_is_offline() -> None:
    machine = Machine()
    machine.boot()
    assert machine.hub(machine.node.ddeath("vmc", T0 + 4)) == [Presence(False, "ddeath", T0 + 4)]


# ---------------------------------------------------------------- commands
def _roundtrip(command: Command) -> tuple[Outbound, object]:
    machine = Machine()
    machine.boot()
    (out,) = machine.session.encode_command(command)
    return out, parse_command(machine.node.decode_command(out.topic, out.payload))


@pytest.mark.parametrize(
    ("command", "topic", "expected"),
    [
        (
            Command(CID, "rebirth", {}, T0 + 60_000),
            "spBv1.0/vending/NCMD/vm-0042",
            ("rebirth", {}, True),
        ),
        (
            Command(CID, "reboot", {}, T0 + 60_000),
            "spBv1.0/vending/NCMD/vm-0042",
            ("reboot", {}, True),
        ),
        (
            Command(CID, "set_temperature", {"setpoint_c": 3.5}, T0 + 60_000),
            "spBv1.0/vending/DCMD/vm-0042/vmc",
            ("set_temperature", {"setpoint_c": 3.5}, False),
        ),
        (
            Command(CID, "set_price", {"slot": 12, "price": 450}, T0 + 60_000),
            "spBv1.0/vending/DCMD/vm-0042/vmc",
            ("set_price", {"slot": 12, "price": 450}, False),
        ),
        (
            Command(CID, "firmware_update", UPDATE, T0 + 60_000),
            "spBv1.0/vending/NCMD/vm-0042",
            ("firmware_update", UPDATE, True),
        ),
    ],
)
def test_commands_round_trip_to_the_firmware(
    command: Command, topic: str, expected: tuple[str, dict[str, object], bool]
) -> None:
    out, parsed = _roundtrip(command)
    assert (out.topic, out.qos, out.retain) == (topic, 0, False)
    assert (parsed.name, dict(parsed.params), parsed.node) == expected  # type: ignore[attr-defined]
    assert parsed.command_id == CID and parsed.expires_at_ms == T0 + 60_000  # type: ignore[attr-defined]
    # commands carry their datatypes, so a generic client decodes them without a birth
    theirs = (psp.NCmd if "NCMD" in topic else psp.DCmd).decode(out.payload)
    values = {m.name: m.value for m in theirs.metrics}
    assert values["Command/Id"] == CID and theirs.timestamp == T0 + 999
    assert values["Command/Expiry"] == dt.datetime.fromtimestamp((T0 + 60_000) / 1000, dt.UTC)


def test_rebirth_request_without_id_is_exempt_and_unanswered() -> None:
    machine = Machine()
    machine.boot()
    out = rebirth_request("vending", "vm-0042", T0)
    parsed = parse_command(machine.node.decode_command(out.topic, out.payload))
    assert (parsed.name, parsed.command_id, parsed.expires_at_ms) == ("rebirth", None, None)
    assert admit(parsed, CommandGuard(), T0 + 10**9) == Verdict("accepted")
    same = machine.session.encode_command(Command("", "rebirth", {}, 0))
    assert same == [rebirth_request("vending", "vm-0042", T0 + 999)]
    assert b"Command/Id" not in out.payload


@pytest.mark.parametrize(
    "command",
    [
        Command(CID, "unlock", {}, T0),
        Command("XYZ", "reboot", {}, T0),
        Command("", "reboot", {}, T0),
        Command(CID, "set_temperature", {"setpoint_c": 30}, T0),
        Command(CID, "set_temperature", {"setpoint_c": float("nan")}, T0),
        Command(CID, "set_temperature", {}, T0),
        Command(CID, "set_price", {"slot": 0, "price": 1}, T0),
        Command(CID, "set_price", {"slot": 1, "price": -1}, T0),
        Command(CID, "set_price", {"slot": 1, "price": True}, T0),
        Command(CID, "reboot", {}, -1),
        Command(CID, "firmware_update", {**UPDATE, "sha256": "AB" * 32}, T0),
        Command(CID, "firmware_update", {**UPDATE, "size": 0}, T0),
        Command(CID, "firmware_update", {k: v for k, v in UPDATE.items() if k != "url"}, T0),
    ],
)
def test_bad_commands_are_refused_by_the_hub(command: Command) -> None:
    with pytest.raises(CodecError):
        encode_command("vending", "vm-1", command, T0)


def test_firmware_refuses_expired_replayed_and_unidentified_commands() -> None:
    machine = Machine()
    machine.boot()
    guard = CommandGuard()
    (out,) = machine.session.encode_command(
        Command(CID, "set_price", {"slot": 1, "price": 9}, T0 + 100)
    )
    command = parse_command(machine.node.decode_command(out.topic, out.payload))
    assert admit(command, guard, T0 + 100) == Verdict("expired")
    assert admit(command, guard, T0) == Verdict("accepted")
    assert admit(command, guard, T0 + 1) == Verdict("replayed")
    with_id = parse_command(
        machine.node.decode_command(
            *_fields(machine.session.encode_command(Command(CID, "rebirth", {}, T0 + 100))[0])
        )
    )
    assert admit(with_id, guard, T0 + 2) == Verdict("replayed")  # ids are not exempt
    no_id = parse_command(
        machine.node.decode_command(*_fields(rebirth_request("vending", "vm-0042", T0)))
    )
    assert admit(no_id, guard, T0 + 2).execute
    unidentified = VendingCommand("reboot", None, T0 + 100, {}, node=True)
    assert admit(unidentified, guard, T0).status == "rejected"


def _fields(out: Outbound) -> tuple[str, bytes]:
    return out.topic, out.payload


def test_firmware_rejects_out_of_range_parameters_it_receives() -> None:
    hot = VendingCommand("set_temperature", CID, T0 + 100, {"setpoint_c": 40.0}, node=False)
    verdict = admit(hot, CommandGuard(), T0)
    assert verdict.status == "rejected" and "setpoint" in verdict.reason


def test_firmware_parses_only_known_commands() -> None:
    machine = Machine()
    machine.boot()

    def dcmd(*metrics: Metric) -> bytes:
        return encode_payload(Payload(timestamp=T0, metrics=metrics))

    topic = "spBv1.0/vending/DCMD/vm-0042/vmc"
    bad = [
        dcmd(),
        dcmd(Metric(name="Slot/1/Stock", datatype=DataType.UInt32, value=1)),
        dcmd(Metric(name="Cabinet/Setpoint", datatype=DataType.String, value="4")),
        dcmd(
            Metric(name="Cabinet/Setpoint", datatype=DataType.Float, value=4.0),
            Metric(name="Slot/1/Price", datatype=DataType.UInt32, value=1),
        ),
        dcmd(Metric(name="Node Control/Reboot", datatype=DataType.Boolean, value=True)),
        dcmd(
            Metric(name="Cabinet/Setpoint", datatype=DataType.Float, value=4.0),
            Metric(name="Command/Id", datatype=DataType.UInt32, value=4),
        ),
    ]
    for data in bad:
        with pytest.raises(CodecError):
            parse_command(machine.node.decode_command(topic, data))
    ncmd = encode_payload(
        Payload(
            timestamp=T0,
            metrics=(Metric(name="Node Control/Rebirth", datatype=DataType.Boolean, value=False),),
        )
    )
    with pytest.raises(CodecError, match="bad_command"):
        parse_command(machine.node.decode_command("spBv1.0/vending/NCMD/vm-0042", ncmd))


def test_judge_command_prepares_the_reply_the_firmware_publishes() -> None:
    machine = Machine()
    machine.boot()
    guard = CommandGuard()

    def judge(out: Outbound, now_ms: int) -> Decision:
        return judge_command(machine.node.decode_command(out.topic, out.payload), guard, now_ms)

    price = Command(CID, "set_price", {"slot": 12, "price": 450}, T0 + 100)
    (out,) = machine.session.encode_command(price)
    first = judge(out, T0)
    assert first.verdict.execute and first.node is False
    assert first.command is not None and first.command.params == {"slot": 12, "price": 450}
    assert first.reply == reply_values(CID, "accepted")
    assert judge(out, T0 + 1).reply == reply_values(CID, "replayed")
    # the reply goes back through the hub as a CommandReply
    reply = machine.node.ddata("vmc", judge(out, T0 + 200).reply or {}, T0 + 200)
    assert machine.hub(reply) == [CommandReply(CID, "expired", None, T0 + 200)]
    silent = judge(rebirth_request("vending", "vm-0042", T0), T0)
    assert (silent.verdict.execute, silent.reply, silent.node) == (True, None, True)
    bogus = encode_payload(
        Payload(
            timestamp=T0,
            metrics=(
                Metric(name="Cabinet/Door", datatype=DataType.Boolean, value=True),
                Metric(name="Command/Id", datatype=DataType.String, value=CID),
            ),
        )
    )
    refused = judge_command(
        machine.node.decode_command("spBv1.0/vending/DCMD/vm-0042/vmc", bogus), guard, T0
    )
    assert refused.command is None and refused.node is False
    assert refused.reply == reply_values(CID, "rejected", "unknown_command")


def test_vend_slot_beyond_255_is_a_codec_error() -> None:
    machine = Machine()
    machine.boot()
    with pytest.raises(CodecError, match="bad_field"):
        machine.hub(machine.node.ddata("vmc", vend_values(256, 100, "x"), T0))


def test_firmware_progress_in_ndata_becomes_firmware_events() -> None:
    machine = Machine()
    machine.node.nbirth(node_birth_metrics("2.4.1", "VM-X", UpdateStatus()), T0)
    status = UpdateStatus("downloading", "2.5.0", 40, "", CID)
    out = machine.node.ndata(status.values(), T0 + 5)
    routed = machine.definition.route(out.topic)
    assert routed is not None
    key = ((T0 + 5) << 8) | 1
    data = {"state": "downloading", "version": "2.5.0", "progress_pct": 40, "command_id": CID}
    # The session has not seen the birth the node made: it asks for a rebirth first.
    records = machine.session.decode(routed[1], out.payload)
    assert Event(key, T0 + 5, "firmware", data) not in records
    machine = Machine()
    born = machine.hub(machine.node.nbirth(node_birth_metrics("2.4.1", "VM-X", UpdateStatus()), T0))
    assert not [r for r in born if isinstance(r, Event)]  # a birth's values are no event
    records = machine.hub(machine.node.ndata(status.values(), T0 + 5))
    assert records == [Event(key, T0 + 5, "firmware", data)]
    failed = UpdateStatus("failed", "2.5.0", 100, "checksum_mismatch", CID)
    [event] = machine.hub(machine.node.ndata(failed.values(), T0 + 6))
    assert event.data == {  # type: ignore[union-attr]
        "state": "failed",
        "version": "2.5.0",
        "reason": "checksum_mismatch",
        "command_id": CID,
    }
    with pytest.raises(CodecError, match="bad_field"):
        machine.hub(machine.node.ndata({"Firmware/State": "exploding"}, T0 + 7))


def test_firmware_judges_an_update_command() -> None:
    out, _ = _roundtrip(Command(CID, "firmware_update", UPDATE, T0 + 60_000))
    decision = judge_command(
        Machine().node.decode_command(out.topic, out.payload), CommandGuard(), T0
    )
    assert decision.verdict == Verdict("accepted") and decision.node
    assert decision.command is not None and decision.command.params == UPDATE
