"""Card and PIN lookups against a seeded registry."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from hub.registry.credentials import find_card, find_pin
from hub.registry.models import DoorCredential, Node
from tests.integration.registry.conftest import SECRET_KEY, Seeded


def _building_id(fleet: Seeded, code: str) -> int:
    with fleet.session() as session:
        node = session.exec(select(Node).where(Node.code == code)).one()
        assert node.id is not None
        return node.id


def test_find_card_returns_credential_and_holder(fleet: Seeded) -> None:
    entry: dict[str, Any] = fleet.secrets["residents"][5]
    card = entry["card"]
    taken = {
        r["card"]["number"]
        for r in fleet.secrets["residents"]
        if (r["card"]["format"], r["card"]["facility"]) == (card["format"], card["facility"])
    }
    unused = next(n for n in range(1, 65536) if n not in taken)
    other = "H10306" if card["format"] == "H10301" else "H10301"
    with fleet.session() as session:
        found = find_card(session, card["format"], card["facility"], card["number"])
        assert found is not None
        credential, resident = found
        assert resident.id == entry["resident_id"] and resident.unit == entry["unit"]
        assert (credential.kind, credential.card_number) == ("card", card["number"])
        assert find_card(session, other, card["facility"], card["number"]) is None
        assert find_card(session, card["format"], card["facility"], unused) is None
        assert find_card(session, "H10301", 10**6, 1) is None


def test_revoked_card_is_not_found_unless_asked(seeded: Seeded) -> None:
    card = seeded.secrets["residents"][0]["card"]
    with seeded.session() as session:
        found = find_card(session, card["format"], card["facility"], card["number"])
        assert found is not None
        credential = found[0]
        credential.revoked = True
        session.add(credential)
        session.commit()
        assert find_card(session, card["format"], card["facility"], card["number"]) is None
        again = find_card(
            session, card["format"], card["facility"], card["number"], include_revoked=True
        )
        assert again is not None and again[0].revoked


def test_pins_open_only_their_own_building(fleet: Seeded) -> None:
    residents = fleet.secrets["residents"]
    pins_by_building: dict[str, set[str]] = {}
    for r in residents:
        pins_by_building.setdefault(r["building"], set()).add(r["pin"])
    with fleet.session() as session:
        for entry in residents[:20]:
            found = find_pin(
                session, SECRET_KEY, _building_id(fleet, entry["building"]), entry["pin"]
            )
            assert found is not None and found[1].id == entry["resident_id"]
            assert found[0].kind == "pin"
        entry = residents[0]
        home = _building_id(fleet, entry["building"])
        elsewhere = next(b for b, pins in pins_by_building.items() if entry["pin"] not in pins)
        assert find_pin(session, SECRET_KEY, _building_id(fleet, elsewhere), entry["pin"]) is None
        assert find_pin(session, "another-secret-key-xyz", home, entry["pin"]) is None
        assert find_pin(session, SECRET_KEY, home, "12ab") is None
        wrong = next(
            p for p in ("0000", "99999", "123456") if p not in pins_by_building[entry["building"]]
        )
        assert find_pin(session, SECRET_KEY, home, wrong) is None


def test_revoked_pin_no_longer_opens(seeded: Seeded) -> None:
    entry = seeded.secrets["residents"][1]
    home = _building_id(seeded, entry["building"])
    with seeded.session() as session:
        found = find_pin(session, SECRET_KEY, home, entry["pin"])
        assert found is not None
        found[0].revoked = True
        session.add(found[0])
        session.commit()
        assert find_pin(session, SECRET_KEY, home, entry["pin"]) is None


def test_pins_are_stored_only_as_keyed_hashes(fleet: Seeded) -> None:
    pins = {entry["pin"] for entry in fleet.secrets["residents"]}
    with fleet.session() as session:
        stored = session.exec(
            select(DoorCredential.pin_hash).where(DoorCredential.kind == "pin")
        ).all()
    assert len(stored) == len(fleet.secrets["residents"])
    assert not pins & set(stored)
    assert all(h is not None and len(h) == 64 for h in stored)
