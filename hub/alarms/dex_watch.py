"""Audits the DEX rule has yet to judge: each stored audit waits ``settle_s`` after it
arrived (the live vends sent with it are stored after it), then is read back with its
checks and its comparison. When the engine starts it re-reads each machine's newest
audit of the last days, so a restart neither forgets a bad audit nor counts it again."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hub.domain.dex_audits import StoredAudit


class DexWatch:
    def __init__(self) -> None:
        self._pending: dict[int, StoredAudit] = {}
        self._again: set[int] = set()

    def stored(self, audit: StoredAudit) -> None:
        self._pending[audit.id] = audit

    def restored(self, audits: Iterable[StoredAudit]) -> None:
        """Audits found when the hub started: judged like the others, not new occurrences."""
        for audit in audits:
            self._pending.setdefault(audit.id, audit)
            self._again.add(audit.id)

    def due(self, now_ms: int, settle_s: Callable[[str], float]) -> list[tuple[int, bool]]:
        """(audit id, found again) of the audits that have settled, removed from the wait."""
        ready = [
            audit
            for audit in self._pending.values()
            if now_ms - audit.received_ms >= settle_s(audit.device_id) * 1000
        ]
        out = []
        for audit in ready:
            del self._pending[audit.id]
            again = audit.id in self._again
            self._again.discard(audit.id)
            out.append((audit.id, again))
        return out

    def __len__(self) -> int:
        return len(self._pending)
