"""Counts in the hub's store that tell lost and duplicated telemetry apart."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text


@dataclass(frozen=True, slots=True)
class TelemetryCounts:
    rows: int  # one per stored telemetry message
    messages: int  # distinct (device_id, seq)

    @property
    def extra_rows(self) -> int:
        """Rows beyond one per (device, seq): duplicates."""
        return self.rows - self.messages

    def minus(self, before: TelemetryCounts) -> TelemetryCounts:
        return TelemetryCounts(self.rows - before.rows, self.messages - before.messages)


def telemetry_counts(engine: Engine) -> TelemetryCounts:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM telemetry")).scalar_one()
        messages = conn.execute(
            text("SELECT count(*) FROM (SELECT DISTINCT device_id, seq FROM telemetry) AS m")
        ).scalar_one()
    return TelemetryCounts(int(rows), int(messages))


def dead_letters(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM dead_letter")).scalar_one())
