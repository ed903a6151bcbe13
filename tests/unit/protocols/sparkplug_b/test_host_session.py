"""The hub's per-node session: aliases, seq gaps and wrap, bdSeq and stale deaths."""

from __future__ import annotations

import pytest

from firmware_protocols.base import CodecError
from firmware_protocols.sparkplug_b import (
    DataType,
    EdgeNode,
    EdgeNodeSession,
    Gap,
    MessageType,
    Metric,
    Payload,
    encode_payload,
    parse_topic,
)
from firmware_protocols.sparkplug_b.payload import AliasTable
from firmware_protocols.sparkplug_b.vending_model import node_birth_metrics

T0 = 1_700_000_000_000
DEVICE = [
    Metric(name="Cabinet/Temperature", datatype=DataType.Float, value=4.0),
    Metric(name="Slot/1/Stock", datatype=DataType.UInt32, value=3),
]


class Link:
    """An edge node wired straight into a host session."""

    def __init__(self) -> None:
        self.node = EdgeNode("vending", "vm-1")
        self.session = EdgeNodeSession()
        self.will = self.node.connect(T0)

    def send(self, topic: str, data: bytes):  # type: ignore[no-untyped-def]
        parsed = parse_topic(topic)
        return self.session.receive(parsed.message_type, parsed.device_id, data)

    def birth(self) -> None:
        out = self.node.nbirth(node_birth_metrics("1.0", "M"), T0)
        assert self.send(out.topic, out.payload).gap is None
        out = self.node.dbirth("vmc", DEVICE, T0)
        assert self.send(out.topic, out.payload).gap is None

    def ddata(self, stock: int):  # type: ignore[no-untyped-def]
        out = self.node.ddata("vmc", {"Slot/1/Stock": stock}, T0)
        return self.send(out.topic, out.payload)


def _raw(seq: int | None, *metrics: Metric, timestamp: int = T0) -> bytes:
    return encode_payload(
        Payload(timestamp=timestamp, seq=seq, metrics=metrics), include_datatypes=False
    )


def test_aliases_resolve_from_the_birth() -> None:
    link = Link()
    link.birth()
    received = link.ddata(2)
    assert received.gap is None
    assert received.payload.values() == {"Slot/1/Stock": 2}
    assert received.payload.metrics[0].datatype is DataType.UInt32
    assert link.session.devices == frozenset({"vmc"})


def test_seq_wrap_255_to_0_is_not_a_gap() -> None:
    link = Link()
    link.birth()  # seq 0 and 1
    seqs = []
    for stock in range(300):
        received = link.ddata(stock)
        assert received.gap is None, received
        seqs.append(received.payload.seq)
    assert seqs[253:256] == [255, 0, 1]


def test_skipped_seq_is_one_gap_then_in_step_again() -> None:
    link = Link()
    link.birth()
    link.ddata(1)  # seq 2
    alias = link.node.alias_of("Slot/1/Stock", "vmc")
    stock = Metric(name=None, alias=alias, datatype=DataType.UInt32, value=9)
    session = link.session
    for seq in (3, 4, 5):
        assert session.receive(MessageType.DDATA, "vmc", _raw(seq, stock)).gap is None
    gap = session.receive(MessageType.DDATA, "vmc", _raw(7, stock))
    assert gap.gap == Gap(expected=6, received=7, reason="seq")
    assert gap.payload.values() == {"Slot/1/Stock": 9}  # still decoded: the aliases hold
    assert session.receive(MessageType.DDATA, "vmc", _raw(8, stock)).gap is None


def test_repeated_seq_is_a_duplicate_not_a_gap() -> None:
    link = Link()
    link.birth()
    out = link.node.ddata("vmc", {"Slot/1/Stock": 1}, T0)
    first = link.send(out.topic, out.payload)
    again = link.send(out.topic, out.payload)
    assert (first.duplicate, again.duplicate, again.gap) == (False, True, None)
    assert link.ddata(0).gap is None


def test_data_before_birth_is_a_gap() -> None:
    session = EdgeNodeSession()
    received = session.receive(
        MessageType.DDATA,
        "vmc",
        _raw(12, Metric(name=None, alias=1, datatype=DataType.UInt32, value=1)),
    )
    assert received.gap == Gap(expected=None, received=12, reason="no_birth")
    assert received.payload.metrics[0].name is None
    assert session.receive(MessageType.NDATA, None, _raw(13)).gap == Gap(None, 13, "no_birth")
    assert session.receive(
        MessageType.DBIRTH,
        "vmc",
        encode_payload(Payload(timestamp=T0, seq=14, metrics=tuple(DEVICE))),
    ).gap == Gap(None, 14, "no_birth")
    assert session.devices == frozenset()


def test_device_data_before_its_dbirth_and_unknown_aliases_are_gaps() -> None:
    link = Link()
    out = link.node.nbirth(node_birth_metrics("1.0", "M"), T0)
    link.send(out.topic, out.payload)
    stock = Metric(name=None, alias=999, datatype=DataType.UInt32, value=1)
    assert link.session.receive(MessageType.DDATA, "vmc", _raw(1, stock)).gap == Gap(
        None, 1, "no_device_birth"
    )
    assert link.session.receive(MessageType.NDATA, None, _raw(2, stock)).gap == Gap(
        None, 2, "unknown_alias"
    )


def test_ddeath_forgets_the_device() -> None:
    link = Link()
    link.birth()
    out = link.node.ddeath("vmc", T0)
    assert link.send(out.topic, out.payload).gap is None
    assert link.session.devices == frozenset()


def test_nbirth_needs_seq_and_bdseq() -> None:
    session = EdgeNodeSession()
    no_bd = encode_payload(Payload(timestamp=T0, seq=0, metrics=tuple(DEVICE)))
    with pytest.raises(CodecError, match="missing_bdseq"):
        session.receive(MessageType.NBIRTH, None, no_bd)
    bd = Metric(name="bdSeq", datatype=DataType.UInt64, value=1)
    with pytest.raises(CodecError, match="missing_seq"):
        session.receive(
            MessageType.NBIRTH, None, encode_payload(Payload(timestamp=T0, metrics=(bd,)))
        )
    with pytest.raises(CodecError, match="bad_seq"):
        session.receive(
            MessageType.NBIRTH, None, encode_payload(Payload(timestamp=T0, seq=256, metrics=(bd,)))
        )
    assert not session.born


def test_ndeath_of_current_birth_ends_the_session() -> None:
    link = Link()
    link.birth()
    death = link.send(link.will.topic, link.will.payload)
    assert (death.stale, death.bd_seq) == (False, 0)
    assert not link.session.born and link.session.devices == frozenset()
    assert link.ddata(1).gap is not None  # rejected node: its data calls for a rebirth


def test_stale_ndeath_from_an_older_connection_is_ignored() -> None:
    link = Link()
    old_will = link.will  # bdSeq 0
    link.will = link.node.connect(T0 + 10)  # reconnect: bdSeq 1
    link.birth()
    stale = link.send(old_will.topic, old_will.payload)  # the broker sends the old will late
    assert (stale.stale, stale.bd_seq) == (True, 0)
    assert link.session.born and link.session.bd_seq == 1
    assert link.ddata(5).gap is None
    assert link.send(link.will.topic, link.will.payload).stale is False


def test_ndeath_without_any_birth_seen_is_accepted() -> None:
    link = Link()
    assert link.send(link.will.topic, link.will.payload).stale is False


def test_rebirth_resets_seq_and_aliases() -> None:
    link = Link()
    link.birth()
    for stock in range(10):
        link.ddata(stock)
    link.birth()  # NBIRTH seq 0 again, same bdSeq
    assert link.session.bd_seq == 0
    assert link.ddata(1).gap is None


def test_malformed_message_leaves_the_session_unchanged() -> None:
    link = Link()
    link.birth()
    with pytest.raises(CodecError):
        link.session.receive(MessageType.DDATA, "vmc", b"\x0a")
    with pytest.raises(CodecError, match="missing_seq"):
        link.session.receive(MessageType.DDATA, "vmc", _raw(None))
    with pytest.raises(CodecError, match="unexpected_message"):
        link.session.receive(MessageType.NCMD, None, _raw(None))
    assert link.ddata(1).gap is None


def test_birth_with_two_names_for_one_alias_is_refused() -> None:
    metrics = [
        Metric(name="a", alias=1, datatype=DataType.Boolean, value=True),
        Metric(name="b", alias=1, datatype=DataType.Boolean, value=True),
    ]
    with pytest.raises(CodecError, match="duplicate_alias"):
        AliasTable(metrics)
