"""The audit chain's canonical form and its checks, without a database."""

from __future__ import annotations

import dataclasses
from typing import Any

from hub.api.audit.chain import (
    GENESIS,
    AuditDraft,
    AuditRecord,
    canonical,
    check_chain,
    entry_hash,
    seal,
)


def draft(n: int, **changes: Any) -> AuditDraft:
    base = AuditDraft(
        ts_ms=1_700_000_000_000 + n,
        actor=f"resident:{n}",
        role="resident",
        action="unlock",
        result="confirmed",
        http_status=200,
        resident_id=n,
        device_id="door-0001",
        device_path="city/d/s/c0001/c0001-b01",
        latency_us=4200 + n,
        detail="",
    )
    return dataclasses.replace(base, **changes)


def chain(length: int) -> list[dict[str, Any]]:
    rows, prev = [], GENESIS
    for n in range(1, length + 1):
        record = seal(draft(n), n, prev)
        rows.append(dataclasses.asdict(record))
        prev = record.hash
    return rows


def test_canonical_form_is_sorted_compact_json_of_every_chained_field() -> None:
    record = seal(draft(1, detail="Zoë"), 1, GENESIS)
    text = canonical(dataclasses.asdict(record)).decode()
    assert text.startswith('{"action":"unlock","actor":"resident:1","command_id":null,')
    assert '"detail":"Zoë"' in text and '"prev_hash":"' + GENESIS + '"' in text
    assert '"hash"' not in text
    assert " " not in text.replace("Zoë", "")


def test_the_hash_covers_each_field() -> None:
    record = dataclasses.asdict(seal(draft(1), 1, GENESIS))
    original = entry_hash(record)
    for name, value in record.items():
        if name == "hash":
            continue
        changed = dict(record)
        changed[name] = value + 1 if isinstance(value, int) else f"{value}x"
        assert entry_hash(changed) != original, name


def test_an_intact_chain_verifies_and_reports_its_head() -> None:
    rows = chain(5)
    report = check_chain(rows)
    assert report.ok and report.rows == 5 and report.head_hash == rows[-1]["hash"]
    assert check_chain([]).ok and check_chain([]).head_hash == GENESIS


def test_an_edited_row_is_named() -> None:
    rows = chain(5)
    rows[2]["result"] = "forbidden"
    report = check_chain(rows)
    assert report.problem is not None and report.problem.seq == 3
    assert report.rows == 2
    assert "contents" in report.problem.reason


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link() -> None:
    rows = chain(5)
    rows[2]["result"] = "forbidden"
    rows[2]["hash"] = entry_hash(rows[2])
    report = check_chain(rows)
    assert report.problem is not None and report.problem.seq == 4
    assert "link" in report.problem.reason


def test_a_deleted_row_is_named() -> None:
    rows = chain(5)
    del rows[1]
    report = check_chain(rows)
    assert report.problem is not None and report.problem.seq == 3
    assert "2..2 missing" in report.problem.reason


def test_records_round_trip_from_rows() -> None:
    row = chain(1)[0]
    assert dataclasses.asdict(AuditRecord.from_row(row)) == row
