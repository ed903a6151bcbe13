"""The device-side encoder: bdSeq per connection, seq per message, aliases, commands."""

from __future__ import annotations

import pytest

from firmware_protocols.base import CodecError
from firmware_protocols.sparkplug_b import DataType, EdgeNode, Metric, decode_payload
from firmware_protocols.sparkplug_b.payload import AliasTable
from firmware_protocols.sparkplug_b.vending_model import node_birth_metrics

T0 = 1_700_000_000_000
METRICS = [
    Metric(name="Cabinet/Temperature", datatype=DataType.Float, value=4.0),
    Metric(name="Cabinet/Door", datatype=DataType.Boolean, value=False),
]


def _born(next_bd_seq: int = 0) -> EdgeNode:
    node = EdgeNode("vending", "vm-1", next_bd_seq=next_bd_seq)
    node.connect(T0)
    node.nbirth(node_birth_metrics("1.0", "M"), T0)
    node.dbirth("vmc", METRICS, T0)
    return node


def test_will_and_birth_carry_the_same_bdseq_and_it_advances_per_connection() -> None:
    node = EdgeNode("vending", "vm-1", next_bd_seq=254)
    seen = []
    for _ in range(3):
        will = node.connect(T0)
        birth = decode_payload(node.nbirth([], T0).payload)
        death = decode_payload(will.payload)
        assert birth.find("bdSeq") == death.find("bdSeq")
        seen.append(birth.values()["bdSeq"])
        assert (will.topic, will.qos, will.retain) == ("spBv1.0/vending/NDEATH/vm-1", 1, False)
        assert birth.seq == 0 and death.seq is None
    assert seen == [254, 255, 0]
    assert node.next_bd_seq == 1
    assert node.ndeath() == will


def test_data_is_alias_only_without_datatype_and_seq_wraps() -> None:
    node = _born()
    table = AliasTable(decode_payload(node.dbirth("vmc", METRICS, T0).payload).metrics)
    seqs = []
    for i in range(260):
        out = node.ddata("vmc", {"Cabinet/Temperature": 4.5, "Cabinet/Door": i % 2 == 0}, T0 + i)
        assert (out.topic, out.qos, out.retain) == ("spBv1.0/vending/DDATA/vm-1/vmc", 0, False)
        raw = decode_payload(out.payload)
        assert all(m.name is None and m.datatype is DataType.Unknown for m in raw.metrics)
        assert all(m.timestamp == T0 + i for m in raw.metrics)
        seqs.append(raw.seq)
        assert decode_payload(out.payload, table).values() == {
            "Cabinet/Temperature": 4.5,
            "Cabinet/Door": i % 2 == 0,
        }
    assert seqs[:2] == [3, 4] and seqs[252:254] == [255, 0]


def test_aliases_are_unique_across_node_and_devices_and_stable_across_rebirth() -> None:
    node = _born()
    node.dbirth("other", METRICS, T0)
    aliases = [node.alias_of(m.name, d) for d in ("vmc", "other") for m in METRICS if m.name]
    node_aliases = [node.alias_of(m.name) for m in node_birth_metrics("1.0", "M") if m.name]
    everything = aliases + node_aliases
    assert None not in everything and len(set(everything)) == len(everything)
    node.nbirth(node_birth_metrics("1.0", "M"), T0)
    rebirth = decode_payload(node.dbirth("vmc", METRICS, T0).payload)
    assert [m.alias for m in rebirth.metrics] == aliases[:2]
    assert rebirth.seq == 1


def test_misuse_is_refused() -> None:
    node = EdgeNode("vending", "vm-1")
    with pytest.raises(CodecError, match="not_connected"):
        node.nbirth([], T0)
    node.connect(T0)
    with pytest.raises(CodecError, match="not_born"):
        node.ndata({}, T0)
    node.nbirth(node_birth_metrics("1.0", "M"), T0)
    with pytest.raises(CodecError, match="not_born"):
        node.ddata("vmc", {"Cabinet/Door": True}, T0)
    node.dbirth("vmc", METRICS, T0)
    with pytest.raises(CodecError, match="unknown_metric"):
        node.ddata("vmc", {"Nope": 1}, T0)
    with pytest.raises(CodecError, match="bad_value"):
        node.ddata("vmc", {"Cabinet/Door": "yes"}, T0)
    with pytest.raises(CodecError, match="bad_birth"):
        node.dbirth("vmc", [Metric(name="bdSeq", datatype=DataType.UInt64, value=0)], T0)
    with pytest.raises(CodecError, match="bad_topic"):
        EdgeNode("vending", "vm/1")


def test_ddeath_then_ddata_is_refused_and_seq_continues() -> None:
    node = _born()
    death = decode_payload(node.ddeath("vmc", T0).payload)
    assert death.seq == 2 and death.metrics == ()
    with pytest.raises(CodecError, match="not_born"):
        node.ddata("vmc", {"Cabinet/Door": True}, T0)


def test_commands_for_other_nodes_are_refused() -> None:
    node = _born()
    with pytest.raises(CodecError, match="bad_topic"):
        node.decode_command("spBv1.0/vending/NCMD/vm-2", b"")
    with pytest.raises(CodecError, match="bad_topic"):
        node.decode_command("spBv1.0/vending/DDATA/vm-1/vmc", b"")
    command = node.decode_command("spBv1.0/vending/NCMD/vm-1", b"")
    assert command.topic.edge_node_id == "vm-1" and command.payload.metrics == ()
