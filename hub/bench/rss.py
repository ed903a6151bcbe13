"""The hub's resident memory (its front and its workers together), read from /proc while
the bench runs."""

from __future__ import annotations

import threading

from hub.bench.processes import tree_rss_mb


class RssSampler:
    """Samples the summed RSS of a process and its children on a thread; keeps the peak
    per phase label."""

    def __init__(self, pid: int, interval_s: float = 0.25) -> None:
        self._pid = pid
        self._interval_s = interval_s
        self._phase = "start"
        self._peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="bench-rss", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def phase(self, name: str) -> None:
        with self._lock:
            self._phase = name
        self.sample()

    def sample(self) -> float | None:
        value = tree_rss_mb(self._pid)
        if value is not None:
            with self._lock:
                self._peaks[self._phase] = max(self._peaks.get(self._phase, 0.0), value)
        return value

    def peaks(self) -> dict[str, float]:
        with self._lock:
            return dict(self._peaks)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
