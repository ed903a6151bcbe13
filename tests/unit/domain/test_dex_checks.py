"""DEX audit checks and the comparison with live vends (pure)."""

from __future__ import annotations

from dataclasses import replace

from hub.domain.dex_checks import AuditFacts, LiveSales, compare, disagrees, intervals, to_fen

GOOD = AuditFacts(
    id=1,
    device_id="vm",
    seq=100 << 8,
    ts_ms=100,
    received_ms=101,
    complete=True,
    g85_ok=True,
    se_ok=True,
    error=None,
    decimal_places=2,
    va1_value=1_000,
    va1_count=4,
)


def audit(id_: int, ts: int, count: int, value: int, **changes: object) -> AuditFacts:
    return replace(GOOD, id=id_, seq=ts << 8, ts_ms=ts, va1_count=count, va1_value=value, **changes)  # type: ignore[arg-type]


def test_problems_name_each_failed_check() -> None:
    assert GOOD.problems == [] and GOOD.valid and GOOD.result == "valid"
    assert replace(GOOD, g85_ok=False).problems == ["crc_failed"]
    bad = replace(GOOD, complete=False, g85_ok=None, se_ok=False)
    assert bad.problems == ["incomplete", "segment_count_failed"] and bad.result == "incomplete"
    assert replace(GOOD, error="not_dex", complete=False).problems == ["not_dex"]


def test_money_in_fen_whatever_the_decimal_places() -> None:
    assert to_fen(1_234, 2) == 1_234
    assert to_fen(12, 0) == 1_200
    assert to_fen(12_345, 3) == 1_235  # rounded half up
    assert to_fen(1_234, None) == 1_234
    assert to_fen(None, 2) is None


def test_intervals_chain_valid_audits_and_skip_the_rest() -> None:
    first = audit(1, 100, 4, 1_000)
    garbled = audit(2, 200, 9, 9_999, g85_ok=False)
    second = audit(3, 300, 7, 1_900)
    reset = audit(4, 400, 1, 300)
    after = audit(5, 500, 2, 650)
    found = intervals([after, reset, second, garbled, first])
    assert found[1] is None and found[2] is None  # a baseline; not valid
    third = found[3]
    assert third is not None and third.previous_id == 1
    assert (third.audit_vends, third.audit_value_fen) == (3, 900)
    assert (third.since_ms, third.until_ms) == (100, 300)
    assert found[4] is None  # counters went backwards: a new baseline
    fifth = found[5]
    assert fifth is not None and (fifth.previous_id, fifth.audit_vends) == (4, 1)


def test_live_vends_are_counted_after_the_earlier_audit_up_to_the_later() -> None:
    (interval,) = [
        i for i in intervals([audit(1, 100, 4, 1_000), audit(2, 300, 7, 1_900)]).values() if i
    ]
    live = LiveSales.of(
        [
            ((100 << 8), 300),
            ((100 << 8) + 1, 300),
            (150 << 8, 300),
            (300 << 8, 300),
            ((300 << 8) + 1, 300),
        ]
    )
    result = compare(interval, live)
    assert (result.live_vends, result.live_value_fen) == (3, 900)
    assert result.vends_difference == 0 and not disagrees(result, 0, 0.0)
    short = compare(interval, LiveSales.of([(150 << 8, 300)]))
    assert short.vends_difference == 2 and short.value_difference_fen == 600
    assert disagrees(short, 1, 0.05) and not disagrees(short, 2, 0.0)
    assert not disagrees(short, 0, 0.7)  # 2 of 3 is within 70 %
