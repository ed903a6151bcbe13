"""Sampling profile of the hub during the ingest drain (``hub bench --profile FILE``).

Runs ``py-spy record --gil`` (a development tool, not a dependency: ``pip install
py-spy``) against the hub's process: only the thread holding the GIL is sampled, which is
where the hub's Python work is serialised (SQLite's own work runs without the GIL and is
not in it). The summary gives the samples by thread, by function (self time) and which of
the hub's own functions they pass through (inclusive).
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from hub.bench.children import BenchError

_LINE = re.compile(r":\d+\)$")


def py_spy() -> str:
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise BenchError("--profile needs py-spy: pip install py-spy")
    return found


class Profiler:
    """``py-spy record`` attached to a pid and its children (the hub's ingest workers)
    until :meth:`stop`."""

    def __init__(self, pid: int, output: Path, rate_hz: int = 200) -> None:
        self.output = output
        command = [py_spy(), "record", "--pid", str(pid), "--rate", str(rate_hz)]
        command += ["--subprocesses", "--gil", "--threads", "--nolineno"]
        command += ["--format", "raw", "--output", str(output)]
        self._process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> Path:
        self._process.send_signal(signal.SIGINT)
        try:
            _, err = self._process.communicate(timeout=60)
        except subprocess.TimeoutExpired as exc:
            self._process.kill()
            raise BenchError("py-spy did not stop") from exc
        if not self.output.exists():
            raise BenchError(f"py-spy wrote nothing: {err.decode(errors='replace')[-500:]}")
        return self.output


@dataclass(frozen=True, slots=True)
class ProfileSummary:
    samples: int
    threads: list[tuple[str, int]]
    self_time: list[tuple[str, int]]
    inclusive: list[tuple[str, int]]

    def text(self) -> str:
        def rows(title: str, items: list[tuple[str, int]]) -> list[str]:
            out = [title]
            out += [f"  {100 * n / max(1, self.samples):5.1f} %  {name}" for name, n in items]
            return out

        lines = [f"{self.samples} samples of the thread holding the GIL"]
        lines += rows("by thread:", self.threads)
        lines += rows("self time (where the samples are):", self.self_time)
        lines += rows("inclusive time, the hub's own code:", self.inclusive)
        return "\n".join(lines) + "\n"


def _frame(frame: str) -> str:
    """``decode_into (hub/ingest/decoder.py:63)`` > ``decode_into (hub/ingest/decoder.py)``."""
    return _LINE.sub(")", frame.strip())


def _thread(frame: str) -> str:
    """``thread (1234): MainThread`` > ``MainThread``; worker threads by their pool name."""
    name = frame.partition(": ")[2] or frame
    return name.rstrip("_0123456789") or name


def summarize(collapsed: str, top: int = 20, own: str = "hub/") -> ProfileSummary:
    """Collapsed stacks (``[thread (id): name;]frame;frame;... count`` per line) to
    per-thread totals and self and inclusive tops."""
    threads: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";") if f.strip()]
        if frames and frames[0].startswith("thread ("):
            threads[_thread(frames.pop(0))] += count
        if not frames:
            continue
        total += count
        self_time[frames[-1]] += count
        for frame in set(frames):
            if f"({own}" in frame or f"/{own}" in frame:
                inclusive[frame] += count
    return ProfileSummary(
        total, threads.most_common(top), self_time.most_common(top), inclusive.most_common(top)
    )
