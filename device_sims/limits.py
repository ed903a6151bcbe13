"""The open-file limit: every simulated device holds one socket."""

from __future__ import annotations

import resource
from dataclasses import dataclass

HEADROOM = 256  # files, pipes and the odd extra socket besides the devices


@dataclass(frozen=True, slots=True)
class FileLimit:
    soft: int
    hard: int
    needed: int

    @property
    def enough(self) -> bool:
        return self.soft >= self.needed

    def advice(self) -> str:
        if self.enough:
            return f"open-file limit {self.soft} (need {self.needed})"
        return (
            f"open-file limit {self.soft} (hard {self.hard}) is below the {self.needed} this "
            f"fleet needs: raise it (ulimit -n {self.needed}, or LimitNOFILE= for a service) "
            "or simulate fewer devices per process"
        )


def raise_open_files(devices: int) -> FileLimit:
    """Raise the soft limit towards what ``devices`` clients need, up to the hard limit."""
    needed = devices + HEADROOM
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return FileLimit(soft, hard, needed)
