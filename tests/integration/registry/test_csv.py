"""Device CSV export and import: round trip, upsert, all-or-nothing validation."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from hub.registry.csv_io import COLUMNS, ImportResult, export_devices, import_devices
from hub.registry.errors import ImportRejected
from hub.registry.models import Device, Node
from hub.registry.passwords import verify_password
from tests.integration.registry.conftest import Seeded


def _export(seeded: Seeded) -> str:
    out = io.StringIO()
    with seeded.session() as session:
        export_devices(session, out)
    return out.getvalue()


def _import(seeded: Seeded, text: str) -> ImportResult:
    with seeded.session() as session:
        result = import_devices(session, io.StringIO(text))
        session.commit()
    return result


def test_export_is_ordered_and_complete(fleet: Seeded) -> None:
    rows = list(csv.reader(io.StringIO(_export(fleet))))
    assert tuple(rows[0]) == COLUMNS
    ids = [row[0] for row in rows[1:]]
    assert ids == sorted(ids) and len(ids) == 4 * 8
    locker = next(row for row in rows if row[0] == "locker-0001")
    assert locker[1:2] == ["locker"] and locker[5:7] == ["lockerlink", "c0001"]
    door = next(row for row in rows if row[0] == "door-0001")
    assert door[6].startswith("c0001-b") and door[8] == "true"


def test_round_trip_changes_nothing(seeded: Seeded) -> None:
    before = _export(seeded)
    result = _import(seeded, before)
    assert result.created == () and len(result.updated) == 32
    assert _export(seeded) == before


def test_import_updates_and_creates(seeded: Seeded) -> None:
    rows = list(csv.reader(io.StringIO(_export(seeded))))
    locker = next(row for row in rows if row[0] == "locker-0002")
    locker[7], locker[8], locker[6] = "Renamed locker", "false", "c0003"
    new_door = ["door-0100", "door", "HID Global", "Signo 40K", "2.2.3", "osdp"]
    new_door += [rows[1][6], "New gate", "TRUE"]  # rows[1] is door-0001
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0], locker, new_door])
    result = _import(seeded, out.getvalue())
    assert result.created == ("door-0100",)
    assert result.updated == ("locker-0002",)
    password = result.passwords["door-0100"]
    with seeded.session() as session:
        moved = session.get(Device, "locker-0002")
        community = session.exec(select(Node).where(Node.code == "c0003")).one()
        assert moved is not None and moved.name == "Renamed locker" and not moved.enabled
        assert (moved.node_id, moved.path) == (community.id, community.path)
        door = session.get(Device, "door-0100")
        assert door is not None and door.enabled and door.protocol == "osdp"
        assert verify_password(password, door.mqtt_password_hash)


BAD_ROWS = [
    "id,kind,vendor,model,firmware_version,protocol,location,name,enabled",
    "locker-0500,locker,Kerong,KR-1,1.6.0,lockerlink,c0001,ok row,true",
    "fridge-0001,fridge,Haier,F1,1.0,lockerlink,c0001,cold,true",
    "vending-0500,vending,Ubox,UB,2.4.0,osdp,c0001,wrong protocol,true",
    "",
    "door-0500,door,HID,Signo,2.1.0,osdp,c9999-b01,nowhere,true",
    "locker-0500,locker,Kerong,KR-1,1.6.0,lockerlink,c0002,duplicate,true",
    "door-0501,door,HID,Signo,2.1.0,osdp,c0001,door at a community,true",
    "locker-0501,locker,Kerong,KR-1,1.6.0,lockerlink,c0001,maybe,perhaps",
    "locker-0502,locker,Kerong,KR-1,1.6.0,lockerlink,c0001",
    "Locker 1,locker,Kerong,KR-1,1.6.0,lockerlink,c0001,bad id,true",
    "door-0001,locker,Kerong,KR-1,1.6.0,lockerlink,c0001,kind change,true",
    "locker-0503,locker,,KR-1,1.6.0,lockerlink,c0001,no vendor,true",
    "locker-0504,locker,Kerong,KR-1,latest,lockerlink,c0001,odd firmware,true",
    "LOCKER-0001,locker,Kerong,KR-1,1.6.0,lockerlink,c0001,case of a registered id,true",
    "LK-0412,locker,Kerong,KR-1,2.0.0,lockerlink,c0001,an upper-case id is fine,true",
    "lk-0412,locker,Kerong,KR-1,2.0.0,lockerlink,c0001,case of an earlier row,true",
    "locker-0505,locker,Kerong,KR-1,9.0.0,lockerlink,c0001,no codec for v9,true",
]
EXPECTED = [
    (3, "kind", "'fridge' is not one of locker, vending, door"),
    (4, "protocol", "'osdp' does not match kind vending (sparkplug_b)"),
    (6, "location", "unknown node code 'c9999-b01'"),
    (7, "id", "duplicate of line 2"),
    (8, "location", "'c0001' is a community; a door belongs to a building"),
    (9, "enabled", "'perhaps' is not true or false"),
    (10, "row", "has 7 fields, expected 9"),
    (
        11,
        "id",
        "'Locker 1' is not a device id (1 to 128 ASCII letters (either case), digits, '-', "
        "'_' or '.', starting with a letter or digit)",
    ),
    (12, "kind", "door-0001 is registered as a door"),
    (13, "vendor", "is empty"),
    (14, "firmware_version", "'latest' is not a version like 2.1.0"),
    (15, "id", "'LOCKER-0001' differs only in case from device 'locker-0001'"),
    (17, "id", "duplicate of line 16 ('LK-0412', differing in case)"),
    (
        18,
        "firmware_version",
        "the hub has no codec for it: no codec for protocol 'lockerlink' firmware '9.0.0'",
    ),
]


def test_bad_rows_are_all_reported_and_nothing_is_imported(fleet: Seeded) -> None:
    before = _export(fleet)
    with pytest.raises(ImportRejected) as rejected:
        _import(fleet, "\n".join(BAD_ROWS) + "\n")
    found = [(e.line, e.field, e.reason) for e in rejected.value.errors]
    assert found == EXPECTED
    assert str(rejected.value.errors[0]) == (
        "line 3, field 'kind': 'fridge' is not one of locker, vending, door"
    )
    assert _export(fleet) == before


def test_header_must_match(fleet: Seeded) -> None:
    for text in ("", "id,kind\nx,y\n", "id;kind;vendor\n"):
        with pytest.raises(ImportRejected) as rejected:
            _import(fleet, text)
        assert [(e.line, e.field) for e in rejected.value.errors] == [(1, "header")]
