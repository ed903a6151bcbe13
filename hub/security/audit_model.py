"""What ``hub security audit`` reports: one result per check, pass, fail or skipped, each
with the evidence it rests on, as text for people and JSON for CI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

Outcome = Literal["pass", "fail", "skipped"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """``check`` is a stable id (``anonymous-login-refused``); ``evidence`` says what was
    tried and what the broker, registry or file answered."""

    check: str
    title: str
    outcome: Outcome
    evidence: str

    @classmethod
    def passed(cls, check: str, title: str, evidence: str) -> CheckResult:
        return cls(check, title, "pass", evidence)

    @classmethod
    def failed(cls, check: str, title: str, evidence: str) -> CheckResult:
        return cls(check, title, "fail", evidence)

    @classmethod
    def skipped(cls, check: str, title: str, why: str) -> CheckResult:
        return cls(check, title, "skipped", why)

    @classmethod
    def judged(cls, check: str, title: str, ok: bool, evidence: str) -> CheckResult:
        return cls(check, title, "pass" if ok else "fail", evidence)


@dataclass(frozen=True, slots=True)
class AuditReport:
    results: tuple[CheckResult, ...]

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.outcome == "fail")

    @property
    def exit_code(self) -> int:
        """0 when nothing failed (skipped checks do not fail the audit), else 1."""
        return 1 if self.failures else 0

    def to_json(self) -> str:
        counts = {
            outcome: sum(r.outcome == outcome for r in self.results)
            for outcome in ("pass", "fail", "skipped")
        }
        document = {
            "passed": not self.failures,
            "counts": counts,
            "checks": [asdict(result) for result in self.results],
        }
        return json.dumps(document, indent=2)

    def to_text(self) -> str:
        lines = []
        for result in self.results:
            lines.append(f"{result.outcome.upper():7} {result.check}: {result.title}")
            lines.append(f"        {result.evidence}")
        passed = sum(r.outcome == "pass" for r in self.results)
        skipped = sum(r.outcome == "skipped" for r in self.results)
        lines.append(
            f"{passed} passed, {len(self.failures)} failed, {skipped} skipped"
            + (": " + ", ".join(r.check for r in self.failures) if self.failures else "")
        )
        return "\n".join(lines)


def report(results: Sequence[CheckResult]) -> AuditReport:
    return AuditReport(tuple(results))
