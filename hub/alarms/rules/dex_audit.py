"""DEX audit: an audit that fails a check (not DEX, incomplete, G85 CRC, SE segment count),
or whose vends since the previous valid audit disagree with the vends the machine reported
live by more than ``vend_tolerance`` and ``vend_tolerance_fraction`` of the audit's count.
One alarm per machine; each bad audit is an occurrence; the machine's next good audit
clears it. Only the newest audit of a machine decides (one evaluated late changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hub.alarms.config import DexAuditRule
from hub.alarms.vocabulary import AlarmType, Clear, Fire, Signal
from hub.domain.dex_checks import Comparison, disagrees


@dataclass(frozen=True, slots=True)
class AuditFinding:
    audit_id: int
    device_id: str
    seq: int
    problems: tuple[str, ...]
    comparison: Comparison | None
    found_again: bool = False  # re-read when the hub started: not a new occurrence


class DexAudits:
    def __init__(self) -> None:
        self._newest: dict[str, int] = {}

    def evaluate(
        self,
        findings: Iterable[AuditFinding],
        rule_for: Callable[[str], DexAuditRule],
        now_ms: int,
    ) -> list[Signal]:
        signals: list[Signal] = []
        for finding in sorted(findings, key=lambda f: f.seq):
            device_id = finding.device_id
            if finding.seq < self._newest.get(device_id, -1):
                continue
            self._newest[device_id] = finding.seq
            rule = rule_for(device_id)
            if not rule.enabled:
                continue
            problems = list(finding.problems)
            found = finding.comparison
            if found is not None and disagrees(
                found, rule.vend_tolerance, rule.vend_tolerance_fraction
            ):
                problems.append("vends_disagree")
            if not problems:
                signals.append(Clear(device_id, AlarmType.DEX_AUDIT, now_ms))
                continue
            details: dict[str, object] = {"audit_id": finding.audit_id, "problems": problems}
            if found is not None:
                details |= {
                    "audit_vends": found.interval.audit_vends,
                    "live_vends": found.live_vends,
                    "vends_difference": found.vends_difference,
                    "value_difference_fen": found.value_difference_fen,
                }
            occurrence = not finding.found_again
            signals.append(Fire(device_id, AlarmType.DEX_AUDIT, now_ms, occurrence, details))
        return signals
