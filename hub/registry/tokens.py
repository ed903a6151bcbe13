"""API bearer tokens: minting, authentication, revocation.

A token is ``hub_`` followed by 32 random bytes (URL-safe base64). The registry keeps only
its SHA-256: the token has far too much entropy to guess, so a fast hash loses nothing,
and authentication is one indexed lookup per request. The raw token is shown once, when
minted.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.db.tables import table_of
from hub.registry.errors import UnknownResident, UnknownToken
from hub.registry.models import ApiToken, Node, Resident
from hub.registry.queries import resolve_scope
from hub.registry.timestamps import utc_now
from hub.registry.vocabulary import Role

TOKEN_PREFIX = "hub_"
MAX_ID = 2**31 - 1  # integer keys are 32-bit on PostgreSQL; larger ids cannot exist


@dataclass(frozen=True, slots=True)
class TokenIdentity:
    """Who a valid token speaks for. Operators have a scope path; residents a resident and
    their building (and no scope path: a resident token never grants operator access)."""

    token_id: int
    role: Role
    scope_path: str | None
    resident_id: int | None
    building_id: int | None


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(raw_token: str) -> str:
    """The stored form of a token: SHA-256, hex."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


def mint_operator_token(
    session: Session,
    scope_code: str,
    label: str = "",
    ttl: timedelta | None = None,
    *,
    now: datetime | None = None,
) -> str:
    """Create an operator token for the subtree of ``scope_code`` and return it (the only
    time it is seen). Raises UnknownScope. Commits."""
    node = resolve_scope(session, scope_code)
    return _mint(session, "operator", label, ttl, now, scope_node_id=node.id)


def mint_resident_token(
    session: Session,
    resident_id: int,
    label: str = "",
    ttl: timedelta | None = None,
    *,
    now: datetime | None = None,
) -> str:
    """Create a token for a resident and return it. Raises UnknownResident. Commits."""
    if not 0 < resident_id <= MAX_ID or session.get(Resident, resident_id) is None:
        raise UnknownResident(f"with id {resident_id}")
    return _mint(session, "resident", label, ttl, now, resident_id=resident_id)


def _mint(
    session: Session,
    role: Role,
    label: str,
    ttl: timedelta | None,
    now: datetime | None,
    *,
    scope_node_id: int | None = None,
    resident_id: int | None = None,
) -> str:
    if ttl is not None and ttl <= timedelta(0):
        raise ValueError("a token's time to live must be positive")
    created = now or utc_now()
    raw = new_token()
    session.add(
        ApiToken(
            token_hash=hash_token(raw),
            role=role,
            label=label,
            scope_node_id=scope_node_id,
            resident_id=resident_id,
            created_at=created,
            expires_at=None if ttl is None else created + ttl,
        )
    )
    session.commit()
    return raw


# Built once, with the token hash as a bound parameter: SQLAlchemy then reuses its compiled
# form, and a lookup costs about 16 us on SQLite (117 us when the statement was rebuilt per
# call from ORM attributes). The table's columns keep the models' types (aware datetimes).
_TOKENS = table_of(ApiToken)
_NODES = table_of(Node)
_RESIDENTS = table_of(Resident)
_IDENTITY = (
    sa_select(
        _TOKENS.c.id,
        _TOKENS.c.role,
        _TOKENS.c.revoked_at,
        _TOKENS.c.expires_at,
        _TOKENS.c.resident_id,
        _NODES.c.path,
        _RESIDENTS.c.building_id,
    )
    .outerjoin(_NODES, _NODES.c.id == _TOKENS.c.scope_node_id)
    .outerjoin(_RESIDENTS, _RESIDENTS.c.id == _TOKENS.c.resident_id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"))
)


def authenticate_token(
    db: Session | Connection, raw_token: str, now: datetime | None = None
) -> TokenIdentity | None:
    """The identity behind ``raw_token``, or None if it is unknown, revoked or expired.

    Every API request runs this: one prepared statement reading columns, not ORM objects."""
    if not raw_token.startswith(TOKEN_PREFIX) or len(raw_token) > 128:
        return None
    conn = db.connection() if isinstance(db, Session) else db
    row = conn.execute(_IDENTITY, {"token_hash": hash_token(raw_token)}).first()
    if row is None:
        return None
    token_id, role, revoked_at, expires_at, resident_id, scope_path, building_id = row
    moment = now or utc_now()
    if token_id is None or revoked_at is not None:
        return None
    if expires_at is not None and expires_at <= moment:
        return None
    if role == "operator":
        if scope_path is None:
            return None
        return TokenIdentity(token_id, "operator", scope_path, None, None)
    if resident_id is None or building_id is None:
        return None
    return TokenIdentity(token_id, "resident", None, resident_id, building_id)


def revoke_token(session: Session, token_or_id: str | int, now: datetime | None = None) -> ApiToken:
    """Revoke by raw token or by numeric id (idempotent: a revoked token stays revoked at
    its first revocation time). Raises UnknownToken. Commits."""
    if isinstance(token_or_id, int) or (token_or_id.isascii() and token_or_id.isdecimal()):
        token_id = int(token_or_id)
        token = session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
        reference = f"with id {token_or_id}"
    elif token_or_id.startswith(TOKEN_PREFIX):
        token = session.exec(
            select(ApiToken).where(col(ApiToken.token_hash) == hash_token(token_or_id))
        ).first()
        reference = "matching the given token"
    else:
        raise UnknownToken(f"{token_or_id!r}: give a token id or a token starting with hub_")
    if token is None:
        raise UnknownToken(reference)
    if token.revoked_at is None:
        token.revoked_at = now or utc_now()
        session.add(token)
        session.commit()
        session.refresh(token)
    return token


def still_valid(
    session: Session, token_ids: Collection[int], now: datetime | None = None
) -> set[int]:
    """Those of ``token_ids`` that are neither revoked, expired nor deleted: one query for
    any number of tokens (the open event streams' check)."""
    if not token_ids:
        return set()
    moment = now or utc_now()
    statement = select(ApiToken.id).where(
        col(ApiToken.id).in_(list(token_ids)),
        col(ApiToken.revoked_at).is_(None),
        or_(col(ApiToken.expires_at).is_(None), col(ApiToken.expires_at) > moment),
    )
    return {token_id for token_id in session.exec(statement) if token_id is not None}
