"""The bench's figures beside the product's performance targets: a table and a JSON
document."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

FIGURES = (
    "raw_subscriber_msgs_per_s",
    "ingest_msgs_per_s",
    "ingest_ratio",
    "hub_cpu_us_per_message",
    "ingest_workers",
    "unlock_p50_ms",
    "unlock_p99_ms",
    "unlock_under_load_p50_ms",
    "unlock_under_load_p99_ms",
    "unlock_under_load_errors",
    "presence_storm_s",
    "hub_rss_mb",
    "lost",
    "duplicates",
)
INFORMATIVE = frozenset({"raw_subscriber_msgs_per_s", "hub_cpu_us_per_message", "ingest_workers"})


_OPS: Mapping[str, Callable[[float, float], bool]] = MappingProxyType(
    {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}
)


@dataclass(frozen=True, slots=True)
class Target:
    """``figure <op> bound``, e.g. unlock_p99_ms < 50."""

    op: str
    bound: float
    note: str = ""

    def met(self, value: float) -> bool:
        return _OPS[self.op](value, self.bound)

    def text(self) -> str:
        return f"{self.op} {self.bound:g}"


def targets_for(dialect: str) -> dict[str, Target]:
    """The product's targets. On SQLite the hub must ingest at least 15,000 messages/s on
    one 2-core machine and half of what a bare subscriber takes from the same broker; on
    PostgreSQL (its server on the same cores) 35 % of the bare subscriber. The raw
    subscriber, the CPU per message and the worker count inform, with no target."""
    targets = {
        "ingest_ratio": Target(
            ">=", 0.35 if dialect == "postgresql" else 0.5, "of the bare paho subscriber"
        ),
        "unlock_p50_ms": Target("<", 10),
        "unlock_p99_ms": Target("<", 20),
        "unlock_under_load_p50_ms": Target("<", 50, "while the hub drains a backlog"),
        "unlock_under_load_p99_ms": Target("<", 50, "while the hub drains a backlog"),
        "unlock_under_load_errors": Target("==", 0),
        "presence_storm_s": Target("<=", 5, "all devices online"),
        "hub_rss_mb": Target("<", 400, "all hub processes, full fleet"),
        "lost": Target("==", 0),
        "duplicates": Target("==", 0),
    }
    if dialect != "postgresql":
        targets["ingest_msgs_per_s"] = Target(">=", 15_000, "SQLite, one 2-core machine")
    return targets


UNITS = {
    "raw_subscriber_msgs_per_s": "msg/s",
    "ingest_msgs_per_s": "msg/s",
    "ingest_ratio": "",
    "hub_cpu_us_per_message": "us",
    "ingest_workers": "",
    "unlock_p50_ms": "ms",
    "unlock_p99_ms": "ms",
    "unlock_under_load_p50_ms": "ms",
    "unlock_under_load_p99_ms": "ms",
    "unlock_under_load_errors": "",
    "presence_storm_s": "s",
    "hub_rss_mb": "MB",
    "lost": "msgs",
    "duplicates": "rows",
}


@dataclass(frozen=True, slots=True)
class BenchReport:
    figures: Mapping[str, float]
    context: Mapping[str, Any]  # broker, store, machine, plan, details, notes
    targets: Mapping[str, Target]

    def verdicts(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name, target in self.targets.items():
            value = self.figures[name]
            out[name] = {
                "target": target.text(),
                "met": target.met(value),
                "note": target.note,
            }
        return out

    def document(self) -> dict[str, Any]:
        return {**self.figures, "targets": self.verdicts(), **self.context}

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.document(), indent=2) + "\n")

    def table(self) -> str:
        verdicts = self.verdicts()
        rows = [("figure", "value", "target", "")]
        for name in FIGURES:
            value = self.figures[name]
            shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
            if name in ("lost", "duplicates", "unlock_under_load_errors", "ingest_workers"):
                shown = f"{value:,.0f}"
            unit = UNITS[name]
            verdict = verdicts.get(name)
            rows.append(
                (
                    name,
                    f"{shown} {unit}".strip(),
                    verdict["target"] + (f" {unit}" if unit else "")
                    if verdict
                    else ("(ceiling)" if name == "raw_subscriber_msgs_per_s" else ""),
                    ("pass" if verdict["met"] else "MISS") if verdict else "",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            "  ".join(
                cell.rjust(widths[i]) if i == 1 else cell.ljust(widths[i])
                for i, cell in enumerate(row)
            ).rstrip()
            for row in rows
        ]
        lines.insert(1, "-" * len(lines[0]))
        return "\n".join(lines)
