"""The audit chain, pure: what one entry holds, its canonical bytes and its hash.

``hash = SHA-256("hub-audit-v1\\n" + canonical)`` where ``canonical`` is the JSON object of
every field in :data:`CHAIN_FIELDS` (the previous row's hash and the row's own position
included), keys sorted, no whitespace, UTF-8. The first row links to :data:`GENESIS`.
Changing any field of any row, or removing a row, breaks the link of a later row or the
row's own hash; only the newest rows can be cut off unnoticed, which is why ``hub audit
verify`` prints the head hash for keeping elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

GENESIS = "0" * 64
DOMAIN = b"hub-audit-v1\n"

CHAIN_FIELDS = (
    "seq",
    "ts_ms",
    "actor",
    "role",
    "resident_id",
    "token_id",
    "action",
    "device_id",
    "device_path",
    "parcel_id",
    "command_id",
    "result",
    "http_status",
    "latency_us",
    "detail",
    "prev_hash",
)


@dataclass(frozen=True, slots=True)
class AuditDraft:
    """An entry before it has a place in the chain.

    ``actor`` names who acted (``resident:12``, ``operator-token:5``); ``action`` is
    ``unlock``, ``collect`` or ``command:<name>``; ``result`` a short word (``confirmed``,
    ``forbidden``, ``offline``, ``timeout``, ...); ``latency_us`` the time from the request
    to the answer, in microseconds."""

    ts_ms: int
    actor: str
    role: str
    action: str
    result: str
    http_status: int
    resident_id: int | None = None
    token_id: int | None = None
    device_id: str | None = None
    device_path: str | None = None
    parcel_id: str | None = None
    command_id: str | None = None
    latency_us: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An entry in the chain, as stored."""

    seq: int
    ts_ms: int
    actor: str
    role: str
    resident_id: int | None
    token_id: int | None
    action: str
    device_id: str | None
    device_path: str | None
    parcel_id: str | None
    command_id: str | None
    result: str
    http_status: int
    latency_us: int | None
    detail: str
    prev_hash: str
    hash: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> AuditRecord:
        return cls(**{name: row[name] for name in (*CHAIN_FIELDS, "hash")})


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The bytes a row's hash covers."""
    body = {name: fields[name] for name in CHAIN_FIELDS}
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def entry_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(DOMAIN + canonical(fields)).hexdigest()


def seal(draft: AuditDraft, seq: int, prev_hash: str) -> AuditRecord:
    """Place ``draft`` after the row whose hash is ``prev_hash``."""
    fields = {**asdict(draft), "seq": seq, "prev_hash": prev_hash}
    return AuditRecord(**fields, hash=entry_hash(fields))


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    reason: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    rows: int
    head_hash: str
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_chain(rows: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Walk rows in ``seq`` order; stop at the first one that does not fit."""
    expected_seq, prev_hash, count = 1, GENESIS, 0
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            reason = f"expected row {expected_seq} here: rows {expected_seq}..{seq - 1} missing"
            return ChainReport(count, prev_hash, ChainProblem(seq, reason))
        if row["prev_hash"] != prev_hash:
            reason = "link to the previous row is broken (previous row changed or removed)"
            return ChainReport(count, prev_hash, ChainProblem(seq, reason))
        if entry_hash(row) != row["hash"]:
            return ChainReport(count, prev_hash, ChainProblem(seq, "contents do not match hash"))
        expected_seq, prev_hash, count = seq + 1, row["hash"], count + 1
    return ChainReport(count, prev_hash, None)
