"""``hub audit verify``: check the audit trail's hash chain.

Exit 0 and ``N rows verified`` when every row is intact; exit 1 naming the first row that
does not fit (edited, or following a deleted row). The head hash is printed so it can be
kept elsewhere: cutting off the newest rows is only visible against such a copy.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hub.api.audit.trail import AuditTrail
from hub.config import load_settings
from hub.registry.database import migrated_engine


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "audit", help="check the unlock and command audit trail"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="verify the hash chain of every audit row")
    verify.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    with migrated_engine(load_settings()) as engine:
        report = AuditTrail(engine).verify()
    if report.problem is None:
        print(f"{report.rows} rows verified; head {report.head_hash}")
        return 0
    print(
        f"audit trail broken at row {report.problem.seq}: {report.problem.reason}"
        f" ({report.rows} rows before it verified)",
        file=sys.stderr,
    )
    return 1
