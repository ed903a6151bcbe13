"""The DEX audit rule (pure): problems fire, disagreeing vends fire, the newest audit
decides, an audit found again after a restart is not a new occurrence."""

from __future__ import annotations

from hub.alarms.config import DexAuditRule
from hub.alarms.rules.dex_audit import AuditFinding, DexAudits
from hub.alarms.vocabulary import AlarmType, Clear, Fire
from hub.domain.dex_checks import Comparison, Interval

RULE = DexAuditRule()


def finding(seq: int, *problems: str, live: int | None = None, again: bool = False) -> AuditFinding:
    compared = None
    if live is not None:
        compared = Comparison(Interval(1, 0, seq, 0, seq, 10, 3_500), live, live * 350)
    return AuditFinding(seq, "vm", seq, problems, compared, again)


def test_problems_and_disagreeing_vends_fire_and_a_good_audit_clears() -> None:
    rule = DexAudits()
    (fired,) = rule.evaluate([finding(1, "crc_failed")], lambda d: RULE, 5)
    assert isinstance(fired, Fire) and fired.type is AlarmType.DEX_AUDIT and fired.occurrence
    assert fired.details["problems"] == ["crc_failed"]
    (off,) = rule.evaluate([finding(2, live=7)], lambda d: RULE, 6)  # 3 of 10 apart
    assert isinstance(off, Fire) and off.details["problems"] == ["vends_disagree"]
    assert off.details["vends_difference"] == 3
    (close,) = rule.evaluate([finding(3, live=9)], lambda d: RULE, 7)  # within 2 vends
    assert isinstance(close, Clear)


def test_only_the_newest_audit_decides_and_found_again_is_no_occurrence() -> None:
    rule = DexAudits()
    signals = rule.evaluate([finding(5, "not_dex"), finding(4)], lambda d: RULE, 1)
    assert [type(s) for s in signals] == [Clear, Fire]  # in order: 4 then 5
    assert rule.evaluate([finding(3)], lambda d: RULE, 2) == []  # older than 5: ignored
    (again,) = rule.evaluate([finding(6, "incomplete", again=True)], lambda d: RULE, 3)
    assert isinstance(again, Fire) and not again.occurrence
    off = DexAuditRule(enabled=False)
    assert rule.evaluate([finding(7, "crc_failed")], lambda d: off, 4) == []
