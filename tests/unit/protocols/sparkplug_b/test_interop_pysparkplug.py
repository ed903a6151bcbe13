"""Round trips against pysparkplug, an independent Sparkplug B implementation, both ways."""

from __future__ import annotations

import datetime as dt

import pysparkplug as psp
import pytest

from firmware_protocols.sparkplug_b import (
    AliasTable,
    DataType,
    EdgeNode,
    Metric,
    Payload,
    decode_payload,
    encode_payload,
)
from firmware_protocols.sparkplug_b.vending_model import (
    SlotState,
    device_birth_metrics,
    node_birth_metrics,
)

T0 = 1_700_000_000_123
WHEN = dt.datetime.fromtimestamp(T0 / 1000, tz=dt.UTC)

# (name, alias, our datatype, their datatype, our value, their value)
CASES = [
    ("bdSeq", None, DataType.UInt64, psp.DataType.UINT64, 7, 7),
    ("Cabinet/Temperature", 1, DataType.Float, psp.DataType.FLOAT, 4.5, 4.5),
    ("Cabinet/Door", 2, DataType.Boolean, psp.DataType.BOOLEAN, True, True),
    ("Properties/Model", 3, DataType.String, psp.DataType.STRING, "VM-Ü 冷柜", "VM-Ü 冷柜"),
    ("Slot/1/Stock", 4, DataType.UInt32, psp.DataType.UINT32, 4_000_000_000, 4_000_000_000),
    ("Counter", 5, DataType.UInt64, psp.DataType.UINT64, 2**64 - 1, 2**64 - 1),
    ("Command/Expiry", 6, DataType.DateTime, psp.DataType.DATETIME, T0, WHEN),
    ("Offset", 7, DataType.Int8, psp.DataType.INT8, -128, -128),
    ("Delta", 8, DataType.Int16, psp.DataType.INT16, -2, -2),
    ("Debt", 9, DataType.Int64, psp.DataType.INT64, -(2**63), -(2**63)),
    ("Ratio", 10, DataType.Double, psp.DataType.DOUBLE, 0.1, 0.1),
    ("Raw", 11, DataType.Bytes, psp.DataType.BYTES, b"\x00\xff", b"\x00\xff"),
    ("Temps", 12, DataType.FloatArray, psp.DataType.FLOAT_ARRAY, (1.5, -2.25), (1.5, -2.25)),
    (
        "Flags",
        13,
        DataType.BooleanArray,
        psp.DataType.BOOLEAN_ARRAY,
        (True, False, True) * 3,
        (True, False, True) * 3,
    ),
    ("Names", 14, DataType.StringArray, psp.DataType.STRING_ARRAY, ("a", "", "ü"), ("a", "", "ü")),
    ("Missing", 15, DataType.Int32, psp.DataType.INT32, None, None),
]


def _ours(with_names: bool = True) -> tuple[Metric, ...]:
    return tuple(
        Metric(name=n if with_names else None, alias=a, datatype=d, value=v, timestamp=T0)
        for n, a, d, _, v, _ in CASES
    )


def _theirs(with_names: bool = True) -> tuple[psp.Metric, ...]:
    return tuple(
        psp.Metric(timestamp=T0, name=n if with_names else None, datatype=d, value=v, alias=a)
        for n, a, _, d, _, v in CASES
    )


def test_our_birth_decodes_in_pysparkplug() -> None:
    data = encode_payload(Payload(timestamp=T0, seq=0, metrics=_ours()))
    birth = psp.NBirth.decode(data)
    assert birth.timestamp == T0 and birth.seq == 0
    assert birth.metrics == _theirs_null_normalised(_theirs())


def _theirs_null_normalised(metrics: tuple[psp.Metric, ...]) -> tuple[psp.Metric, ...]:
    # pysparkplug decodes a null metric with is_null=True; its encoder infers that from None.
    import dataclasses

    return tuple(dataclasses.replace(m, is_null=m.value is None) for m in metrics)


def test_pysparkplug_birth_decodes_in_ours() -> None:
    data = psp.NBirth(timestamp=T0, seq=0, metrics=_theirs()).encode()
    assert decode_payload(data) == Payload(timestamp=T0, seq=0, metrics=_ours())


def test_our_alias_only_data_decodes_in_pysparkplug_with_the_birth() -> None:
    birth = psp.DBirth.decode(encode_payload(Payload(timestamp=T0, seq=1, metrics=_ours())))
    data = encode_payload(
        Payload(timestamp=T0 + 5, seq=2, metrics=_ours(with_names=False)[1:]),
        include_datatypes=False,
    )
    ddata = psp.DData.decode(data, birth=birth)
    assert ddata.seq == 2 and ddata.timestamp == T0 + 5
    assert ddata.metrics == _theirs_null_normalised(_theirs()[1:])


def test_pysparkplug_alias_only_data_decodes_in_ours_with_the_birth() -> None:
    birth = decode_payload(psp.DBirth(timestamp=T0, seq=1, metrics=_theirs()).encode())
    raw = psp.DData(timestamp=T0 + 5, seq=2, metrics=_theirs(with_names=False)[1:]).encode()
    # pysparkplug leaves datatypes out of data messages: the birth must supply them.
    assert b"Cabinet" not in raw
    decoded = decode_payload(raw, AliasTable(birth.metrics))
    assert decoded == Payload(
        timestamp=T0 + 5,
        seq=2,
        metrics=tuple(
            Metric(name=n, alias=a, datatype=d, value=v, timestamp=T0)
            for n, a, d, _, v, _ in CASES[1:]
        ),
    )


def test_our_edge_node_stream_decodes_in_pysparkplug() -> None:
    node = EdgeNode("vending", "vm-1")
    will = node.connect(T0)
    nbirth = psp.NBirth.decode(node.nbirth(node_birth_metrics("2.4.1", "VM-X"), T0).payload)
    slots = {1: SlotState(stock=5, price=350, capacity=10)}
    dbirth_out = node.dbirth(
        "vmc",
        device_birth_metrics(
            temperature_c=4.5, setpoint_c=4.0, door_open=False, compressor_on=True, slots=slots
        ),
        T0 + 1,
    )
    dbirth = psp.DBirth.decode(dbirth_out.payload)
    ddata = psp.DData.decode(
        node.ddata("vmc", {"Slot/1/Stock": 4, "Cabinet/Door": True}, T0 + 2).payload, birth=dbirth
    )
    death = psp.NDeath.decode(will.payload)
    assert [m.name for m in nbirth.metrics][:3] == [
        "bdSeq",
        "Node Control/Rebirth",
        "Node Control/Reboot",
    ]
    assert nbirth.metrics[0].value == 0 and death.bd_seq_metric.value == 0
    assert (nbirth.seq, dbirth.seq, ddata.seq) == (0, 1, 2)
    assert {m.name: m.value for m in ddata.metrics} == {"Slot/1/Stock": 4, "Cabinet/Door": True}
    assert all(m.name is not None and m.alias is not None for m in dbirth.metrics)


def test_pysparkplug_ndeath_and_commands_decode_in_ours() -> None:
    bd = psp.Metric(timestamp=T0, name="bdSeq", datatype=psp.DataType.UINT64, value=3)
    death = decode_payload(psp.NDeath(timestamp=T0, bd_seq_metric=bd).encode())
    assert death.find("bdSeq") == Metric(
        name="bdSeq", datatype=DataType.UInt64, value=3, timestamp=T0
    )
    rebirth = psp.Metric(
        timestamp=T0, name="Node Control/Rebirth", datatype=psp.DataType.BOOLEAN, value=True
    )
    cmd = decode_payload(psp.NCmd(timestamp=T0, metrics=(rebirth,)).encode(include_dtypes=True))
    assert cmd.seq is None and cmd.values() == {"Node Control/Rebirth": True}


@pytest.mark.parametrize("value", [-1, -87, 127, 0])
def test_signed_ints_both_ways(value: int) -> None:
    theirs = psp.Metric(timestamp=None, name="x", datatype=psp.DataType.INT16, value=value)
    ours = Metric(name="x", datatype=DataType.Int16, value=value)
    assert decode_payload(psp.NBirth(timestamp=1, seq=0, metrics=(theirs,)).encode()).metrics == (
        ours,
    )
    back = psp.NBirth.decode(encode_payload(Payload(timestamp=1, seq=0, metrics=(ours,))))
    assert back.metrics[0].value == value
