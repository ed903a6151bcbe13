"""API tokens: mint, authenticate, expire, revoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hub.errors import UnknownScope
from hub.registry.errors import UnknownResident, UnknownToken
from hub.registry.models import ApiToken, Node
from hub.registry.queries import resolve_scope
from hub.registry.tokens import (
    TOKEN_PREFIX,
    authenticate_token,
    hash_token,
    mint_operator_token,
    mint_resident_token,
    revoke_token,
    still_valid,
)
from tests.integration.registry.conftest import Seeded

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _tokens(fleet: Seeded) -> int:
    with fleet.session() as session:
        return session.exec(select(func.count()).select_from(ApiToken)).one()[0]


def test_operator_token_authenticates_with_its_scope_until_it_expires(fleet: Seeded) -> None:
    with fleet.session() as session:
        raw = mint_operator_token(session, "wuxi-liangxi", "ops", timedelta(days=1), now=T0)
        district = resolve_scope(session, "wuxi-liangxi")
        identity = authenticate_token(session, raw, T0 + timedelta(hours=23))
        assert identity is not None
        assert identity.role == "operator"
        assert identity.scope_path == district.path == "wuxi/wuxi-liangxi"
        assert (identity.resident_id, identity.building_id) == (None, None)
        assert authenticate_token(session, raw, T0 + timedelta(days=1)) is None
        stored = session.get(ApiToken, identity.token_id)
        assert stored is not None and stored.token_hash == hash_token(raw)
        assert stored.created_at == T0 and stored.expires_at == T0 + timedelta(days=1)
    assert raw.startswith(TOKEN_PREFIX) and len(raw) > 40


def test_token_without_ttl_does_not_expire(fleet: Seeded) -> None:
    with fleet.session() as session:
        raw = mint_operator_token(session, "wuxi", now=T0)
        assert authenticate_token(session, raw, T0 + timedelta(days=3650)) is not None


def test_resident_token_names_resident_and_building(fleet: Seeded) -> None:
    entry = fleet.secrets["residents"][2]
    with fleet.session() as session:
        raw = mint_resident_token(session, entry["resident_id"], "phone", timedelta(days=30))
        identity = authenticate_token(session, raw)
        assert identity is not None
        assert identity.role == "resident" and identity.scope_path is None
        assert identity.resident_id == entry["resident_id"]
        building = session.exec(select(Node.id).where(Node.code == entry["building"])).one()
        assert identity.building_id == building[0]
        for missing in (10**6, 10**30, 0, -1):
            with pytest.raises(UnknownResident):
                mint_resident_token(session, missing)


def test_revoke_by_token_and_by_id(fleet: Seeded) -> None:
    with fleet.session() as session:
        first = mint_operator_token(session, "c0001", "a")
        second = mint_operator_token(session, "c0001", "b")
        revoked = revoke_token(session, first, now=T0)
        assert revoked.revoked_at == T0
        assert authenticate_token(session, first) is None
        assert authenticate_token(session, second) is not None
        identity = authenticate_token(session, second)
        assert identity is not None
        revoke_token(session, str(identity.token_id))
        assert authenticate_token(session, second) is None
        again = revoke_token(session, first, now=T0 + timedelta(days=1))
        assert again.revoked_at == T0, "revocation keeps its first time"
        with pytest.raises(UnknownToken):
            revoke_token(session, "hub_not-a-token")
        for missing in ("999999", "1" * 40, "0"):
            with pytest.raises(UnknownToken):
                revoke_token(session, missing)
        with pytest.raises(UnknownToken):
            revoke_token(session, "garbage")


def test_still_valid_keeps_only_live_tokens_in_one_query(fleet: Seeded) -> None:
    with fleet.session() as session:
        raws = {
            name: mint_operator_token(session, "c0001", name, ttl, now=T0)
            for name, ttl in (("live", None), ("expiring", timedelta(hours=1)), ("revoked", None))
        }
        ids = {}
        for name, raw in raws.items():
            identity = authenticate_token(session, raw, T0)
            assert identity is not None
            ids[name] = identity.token_id
        revoke_token(session, raws["revoked"], now=T0)
        wanted = [*ids.values(), 10**9]  # and one that does not exist
        assert still_valid(session, wanted, T0) == {ids["live"], ids["expiring"]}
        assert still_valid(session, wanted, T0 + timedelta(hours=1)) == {ids["live"]}
        assert still_valid(session, [], T0) == set()


def test_unknown_scope_mints_nothing(fleet: Seeded) -> None:
    before = _tokens(fleet)
    with fleet.session() as session:
        for code in ("atlantis", "c0001-b01"):
            with pytest.raises(UnknownScope, match=code):
                mint_operator_token(session, code)
    assert _tokens(fleet) == before


def test_bad_tokens_do_not_authenticate(fleet: Seeded) -> None:
    with fleet.session() as session:
        raw = mint_operator_token(session, "wuxi")
        for bad in ("", "hub_", raw[:-1], raw + "x", raw.upper(), "Bearer " + raw, "x" * 500):
            assert authenticate_token(session, bad) is None
        assert authenticate_token(session, raw) is not None
