"""What a stored DEX audit says, checked: whether to trust it, and how its totals compare
with the vends the machine reported live.

An audit is *valid* when the file is complete (DXS, ST, G85, SE, DXE in order) and both
its G85 CRC and its SE segment count check out. Its paid-vend totals since
initialisation (VA1) are counters: the difference between two valid audits is what the
machine sold in between, which should equal the vends it reported live (``vending_sale``)
after the earlier audit and up to the later one. "After" is by the machine's message key
(``seq``: Sparkplug payload timestamp << 8 | sequence number), which orders a vend and an
audit sent in the same millisecond; a vend in the same message as an audit counts for it.
The first valid audit of a machine, and one whose counters went backwards (a reset or a
replaced board), start a new baseline with nothing to compare.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

PROBLEMS: Final = ("not_dex", "incomplete", "crc_failed", "segment_count_failed")
"""Why an audit is not valid, in the order they are named (the first is the metric's)."""


@dataclass(frozen=True, slots=True)
class AuditFacts:
    """The columns of a ``dex_audit`` row the checks need."""

    id: int
    device_id: str
    seq: int
    ts_ms: int
    received_ms: int
    complete: bool
    g85_ok: bool | None
    se_ok: bool | None
    error: str | None
    decimal_places: int | None
    va1_value: int | None
    va1_count: int | None

    @property
    def problems(self) -> list[str]:
        """Why the audit cannot be trusted; empty when it is valid."""
        if self.error is not None:
            return ["not_dex"]
        found = []
        if not self.complete:
            found.append("incomplete")
        if self.g85_ok is False:
            found.append("crc_failed")
        if self.se_ok is False:
            found.append("segment_count_failed")
        return found

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def result(self) -> str:
        """``valid`` or the first problem: the ``result`` label of ``hub_dex_audits``."""
        problems = self.problems
        return problems[0] if problems else "valid"

    @property
    def value_fen(self) -> int | None:
        return to_fen(self.va1_value, self.decimal_places)


def to_fen(value: int | None, decimal_places: int | None) -> int | None:
    """A DEX money value (minor units with the file's decimal places, 2 if unstated) in
    fen; None when there is none."""
    if value is None:
        return None
    places = 2 if decimal_places is None else decimal_places
    scale: int = 10 ** abs(2 - places)
    if places <= 2:
        return value * scale
    return (value + scale // 2) // scale


@dataclass(frozen=True, slots=True)
class Interval:
    """What an audit says was sold since the previous valid audit of its machine."""

    previous_id: int
    since_seq: int  # the previous audit's message key (excluded)
    until_seq: int  # this audit's message key (included)
    since_ms: int  # the previous audit's device time
    until_ms: int  # this audit's device time
    audit_vends: int
    audit_value_fen: int


def intervals(audits: Iterable[AuditFacts]) -> dict[int, Interval | None]:
    """For each audit of one machine (any order): its interval since the previous valid
    audit, or None (not valid itself, a baseline, or counters that went backwards)."""
    found: dict[int, Interval | None] = {}
    previous: AuditFacts | None = None
    for audit in sorted(audits, key=lambda a: (a.seq, a.id)):
        if not audit.valid or audit.va1_count is None or audit.value_fen is None:
            found[audit.id] = None
            continue
        interval = None
        if previous is not None and previous.va1_count is not None:
            vends = audit.va1_count - previous.va1_count
            value = audit.value_fen - (previous.value_fen or 0)
            if vends >= 0 and value >= 0:
                interval = Interval(
                    previous.id, previous.seq, audit.seq, previous.ts_ms, audit.ts_ms, vends, value
                )
        found[audit.id] = interval
        previous = audit
    return found


@dataclass(frozen=True, slots=True)
class LiveSales:
    """Vends a machine reported live, sorted by message key, for counting in windows."""

    keys: Sequence[int]
    prices: Sequence[int]

    @classmethod
    def of(cls, vends: Iterable[tuple[int, int]]) -> LiveSales:
        """From (message key, price in fen) pairs."""
        ordered = sorted(vends)
        return cls([k for k, _ in ordered], [p for _, p in ordered])

    def between(self, since_seq: int, until_seq: int) -> tuple[int, int]:
        """(vends, value in fen) with since_seq < key <= until_seq."""
        first, last = bisect_right(self.keys, since_seq), bisect_right(self.keys, until_seq)
        return last - first, sum(self.prices[first:last])


@dataclass(frozen=True, slots=True)
class Comparison:
    interval: Interval
    live_vends: int
    live_value_fen: int

    @property
    def vends_difference(self) -> int:
        """Audit minus live: positive when the audit counted vends the hub never heard."""
        return self.interval.audit_vends - self.live_vends

    @property
    def value_difference_fen(self) -> int:
        return self.interval.audit_value_fen - self.live_value_fen


def compare(interval: Interval, live: LiveSales) -> Comparison:
    return Comparison(interval, *live.between(interval.since_seq, interval.until_seq))


def disagrees(comparison: Comparison, tolerance: int, fraction: float) -> bool:
    """More vends apart than ``tolerance`` and than ``fraction`` of the audit's count."""
    gap = abs(comparison.vends_difference)
    return gap > tolerance and gap > fraction * comparison.interval.audit_vends
