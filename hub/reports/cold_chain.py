"""Cold-chain compliance: per vending machine and day, the minutes its cabinet reported a
temperature outside its community's band (``cold_chain.min_temp_c`` to ``max_temp_c``),
and the minutes it reported at all (a machine that sends nothing is not compliant, it is
unknown). Grouped by community or district, minutes add up over the machines.

Days are the city's (``HUB_TIMEZONE``), made of whole UTC hours: exact for time zones with
whole-hour offsets such as Asia/Shanghai.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Engine

from hub.alarms.config import AlarmRules
from hub.city_clock import CityClock
from hub.reports.scope import Group, ReportDevice, identity_columns
from hub.reports.table import Table, table
from hub.store.reads import minutes_outside

METRIC = "cabinet_temp_c"
COLUMNS = ["day", "machines", "minutes_measured", "minutes_outside", "band_min_c", "band_max_c"]


@dataclass(slots=True)
class _Day:
    identity: dict[str, str]
    band: tuple[float, float]
    machines: set[str] = field(default_factory=set)
    measured: int = 0
    outside: int = 0


def cold_chain(
    engine: Engine,
    devices: list[ReportDevice],
    rules: AlarmRules,
    clock: CityClock,
    since_ms: int,
    until_ms: int,
    group: Group,
) -> Table:
    by_band: dict[tuple[float, float], list[ReportDevice]] = defaultdict(list)
    for device in devices:
        rule = rules.for_path(device.path).cold_chain
        by_band[(rule.min_temp_c, rule.max_temp_c)].append(device)
    days: dict[tuple[tuple[str, ...], str], _Day] = {}
    for band, members in by_band.items():
        named = {device.id: device for device in members}
        hours = minutes_outside(engine, list(named), METRIC, since_ms, until_ms, *band)
        for device_id, hour_ms, measured, outside in hours:
            identity = named[device_id].identity(group)
            day = clock.day_of(hour_ms).isoformat()
            entry = days.setdefault((tuple(identity.values()), day), _Day(identity, band))
            entry.machines.add(device_id)
            entry.measured += measured
            entry.outside += outside
    rows = [
        entry.identity
        | {
            "day": day,
            "machines": len(entry.machines),
            "minutes_measured": entry.measured,
            "minutes_outside": entry.outside,
            "band_min_c": entry.band[0],
            "band_max_c": entry.band[1],
        }
        for (_, day), entry in sorted(days.items())
    ]
    return table(identity_columns(group) + COLUMNS, rows)
