"""``hub token operator|resident|revoke``: mint and revoke API bearer tokens.

A minted token is printed once, alone on standard output, and stored only as a hash.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from hub.config import load_settings
from hub.registry.database import migrated_engine
from hub.registry.errors import UnknownResident
from hub.registry.queries import find_residents
from hub.registry.tokens import mint_operator_token, mint_resident_token, revoke_token

OPERATOR_TTL_DAYS = 90
RESIDENT_TTL_DAYS = 365


def _days(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (never expires) or more")
    return value


def _add_ttl_days(parser: argparse.ArgumentParser, default: int) -> None:
    parser.add_argument(
        "--ttl-days",
        type=_days,
        default=default,
        help=f"lifetime in days, 0 for none (default {default})",
    )


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "token", help="mint or revoke API tokens (printed once)"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    operator = actions.add_parser("operator", help="a token for staff of one part of the city")
    operator.add_argument(
        "--scope", required=True, help="city, district, subdistrict or community code"
    )
    operator.add_argument("--label", default="", help="who or what the token is for")
    _add_ttl_days(operator, OPERATOR_TTL_DAYS)
    operator.set_defaults(handler=run_operator)

    resident = actions.add_parser("resident", help="a token for a resident's app")
    who = resident.add_mutually_exclusive_group(required=True)
    who.add_argument("--resident-id", type=int, help="the resident's id")
    who.add_argument("--building", help="building code (with --unit)")
    resident.add_argument("--unit", help="unit within --building, e.g. 1201")
    resident.add_argument("--label", default="app", help="default: app")
    _add_ttl_days(resident, RESIDENT_TTL_DAYS)
    resident.set_defaults(handler=run_resident, parser=resident)

    revoke = actions.add_parser("revoke", help="revoke a token, given itself or its id")
    revoke.add_argument("token", metavar="TOKEN_OR_ID")
    revoke.set_defaults(handler=run_revoke)


def _ttl(days: int) -> timedelta | None:
    return None if days == 0 else timedelta(days=days)


def run_operator(args: argparse.Namespace) -> int:
    with migrated_engine(load_settings()) as engine, Session(engine) as session:
        token = mint_operator_token(session, args.scope, args.label, _ttl(args.ttl_days))
    print(token)
    return 0


def run_resident(args: argparse.Namespace) -> int:
    if args.building is not None and args.unit is None:
        args.parser.error("--building needs --unit")
    if args.unit is not None and args.building is None:
        args.parser.error("--unit needs --building")
    with migrated_engine(load_settings()) as engine, Session(engine) as session:
        resident_id: int = args.resident_id
        if args.building is not None:
            resident_id = _resident_at(session, args.building, args.unit)
        token = mint_resident_token(session, resident_id, args.label, _ttl(args.ttl_days))
    print(token)
    return 0


def _resident_at(session: Session, building: str, unit: str) -> int:
    found = find_residents(session, building, unit)
    where = f"in unit {unit!r} of building {building!r}"
    if not found:
        raise UnknownResident(where)
    if len(found) > 1:
        raise UnknownResident(f"single {where}: {len(found)} live there, use --resident-id")
    resident_id = found[0].id
    assert resident_id is not None
    return resident_id


def run_revoke(args: argparse.Namespace) -> int:
    with migrated_engine(load_settings()) as engine, Session(engine) as session:
        token = revoke_token(session, args.token)
        summary = f"token {token.id} ({token.role}"
        summary += f", {token.label!r})" if token.label else ")"
        revoked_at = token.revoked_at
    assert revoked_at is not None
    print(f"revoked {summary} at {revoked_at.isoformat(timespec='seconds')}")
    return 0
