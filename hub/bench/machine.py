"""What the bench ran on: cores, CPU model, load average when it started."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Machine:
    cores: int
    cpu_model: str
    load_average: tuple[float, float, float]
    python: str
    system: str

    def as_dict(self) -> dict[str, object]:
        return {
            "cores": self.cores,
            "cpu_model": self.cpu_model,
            "load_average_at_start": list(self.load_average),
            "python": self.python,
            "system": self.system,
        }


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The first ``model name`` of /proc/cpuinfo, else what platform knows."""
    try:
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def this_machine() -> Machine:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return Machine(
        cores=cores or 1,
        cpu_model=cpu_model(),
        load_average=os.getloadavg(),
        python=sys.version.split()[0],
        system=f"{platform.system()} {platform.release()}",
    )
