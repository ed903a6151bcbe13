"""Ingest phase: the bare paho ceiling and the hub's end-to-end rate from one burst.

Definition (the same for both consumers): both are subscribed to the same filters and
paused (SIGSTOP) while ``device-sims bench --qos 1`` publishes the burst, so the broker
holds the whole backlog for each. A consumer's rate is the messages it took divided by
the time from resuming it (SIGCONT) to its last message: received, for the raw
subscriber (its own process, drained first, alone); committed to the store, for the hub
(``hub_store_batch_messages_sum`` on /metrics, polled every 50 ms). Both count every
message on those filters (the burst plus the fleet's connect and disconnect traffic).
The publisher is thereby out of the measurement: it cannot publish QoS 1 as fast as
either consumer takes it. Polling /metrics costs the hub about 2-3 % of its time.

Beside the rates, each consumer's CPU time per message while draining (the hub's from
/proc, the subscriber's own): it depends far less on what else the machine is doing.

Lost and duplicates compare the store with the publisher: ``published`` is what the
broker acknowledged of the burst; stored is the distinct (device, seq) telemetry added,
minus what the fleet's connect traffic alone adds (measured by a connect-only pass first:
``device-sims bench --messages 0``); duplicates are rows beyond one per (device, seq)
in the whole telemetry table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from hub.bench.children import BenchError, HubChild, SimsCommand
from hub.bench.processes import tree_cpu_seconds
from hub.bench.profile import Profiler
from hub.bench.raw_subscriber import RawDrain, RawSubscriber
from hub.bench.store_counts import TelemetryCounts, dead_letters, telemetry_counts

POLL_S = 0.05


@dataclass(frozen=True, slots=True)
class IngestResult:
    attempted: int
    published: int
    publish_seconds: float
    publish_rate: float
    raw: RawDrain
    hub: HubDrain
    connect_baseline: int  # telemetry messages the fleet's connect traffic stores
    telemetry: TelemetryCounts  # added during the burst pass
    extra_rows: int  # rows beyond one per (device, seq), whole table
    dead_letters: int  # added during the burst pass

    @property
    def raw_per_s(self) -> float:
        return self.raw.per_second

    @property
    def ingest_per_s(self) -> float:
        return self.hub.messages / self.hub.seconds if self.hub.seconds > 0 else 0.0

    @property
    def hub_cpu_us_per_message(self) -> float:
        return _per_message_us(self.hub.cpu_seconds, self.hub.messages)

    @property
    def ratio(self) -> float:
        return self.ingest_per_s / self.raw_per_s if self.raw_per_s > 0 else 0.0

    @property
    def stored_burst(self) -> int:
        return self.telemetry.messages - self.connect_baseline

    @property
    def lost(self) -> int:
        return self.published - self.stored_burst

    def details(self) -> dict[str, object]:
        return {
            "burst_attempted": self.attempted,
            "burst_published": self.published,
            "burst_publish_seconds": round(self.publish_seconds, 3),
            "burst_publish_rate_per_s": round(self.publish_rate, 1),
            "raw_messages": self.raw.count,
            "raw_seconds": round(self.raw.seconds, 3),
            "raw_cpu_us_per_message": _per_message_us(self.raw.cpu_seconds, self.raw.count),
            "hub_messages_committed": self.hub.messages,
            "hub_seconds": round(self.hub.seconds, 3),
            "hub_cpu_us_per_message": _per_message_us(self.hub.cpu_seconds, self.hub.messages),
            "connect_baseline_messages": self.connect_baseline,
            "telemetry_messages_stored": self.telemetry.messages,
            "telemetry_rows_stored": self.telemetry.rows,
            "burst_messages_stored": self.stored_burst,
            "dead_letters": self.dead_letters,
        }


def _per_message_us(cpu_s: float, messages: int) -> float:
    return round(cpu_s / messages * 1e6, 1) if messages else 0.0


def committed(hub: HubChild) -> int:
    return _worker_totals(hub)[0]


def wait_quiet(hub: HubChild, still_s: float = 2.5, timeout_s: float = 120.0) -> int:
    """Wait until the hub has committed nothing new for ``still_s``; the committed count."""
    deadline = time.monotonic() + timeout_s
    last, since = committed(hub), time.monotonic()
    while time.monotonic() - since < still_s:
        if time.monotonic() > deadline:
            raise BenchError("the hub kept committing: no quiet moment to measure from")
        time.sleep(0.1)
        now = committed(hub)
        if now != last:
            last, since = now, time.monotonic()
    return last


@dataclass(frozen=True, slots=True)
class HubDrain:
    messages: int
    seconds: float
    cpu_seconds: float  # the CPU time of the hub's processes from resuming to its last commit


def _worker_totals(hub: HubChild) -> tuple[int, float | None]:
    """(messages committed, wall time of the latest commit in seconds) over the workers."""
    workers = hub.workers()
    committed_total = sum(int(w.get("committed_messages") or 0) for w in workers)
    commits = [w["last_commit_ms"] for w in workers if w.get("last_commit_ms")]
    return committed_total, (max(commits) / 1000 if commits else None)


def drain_hub(hub: HubChild, start: int, expected: int, stall_s: float) -> HubDrain:
    """Resume the hub and poll until it has committed ``expected`` messages since
    ``start`` (or made no progress for ``stall_s``). Each worker reports its count every
    second with the exact time of its last commit, which ends the measured interval."""
    cpu_before = tree_cpu_seconds(hub.pid)
    resumed = time.time()
    hub.resume()
    done, done_at, progress_at = 0, resumed, time.monotonic()
    cpu_done = cpu_before
    while done < expected:
        time.sleep(POLL_S)
        total, last_commit = _worker_totals(hub)
        now = total - start
        if now != done:
            done, progress_at = now, time.monotonic()
            done_at = last_commit if last_commit is not None else time.time()
            cpu_done = tree_cpu_seconds(hub.pid)
        elif time.monotonic() - progress_at > stall_s:
            break
    return HubDrain(done, done_at - resumed, cpu_done - cpu_before)


def run_ingest(
    hub: HubChild,
    sims: SimsCommand,
    engine: Engine,
    topics: Sequence[str],
    mqtt_url: str,
    messages_per_device: int,
    timeout_s: float,
    profile_to: Path | None = None,
    say: Callable[[str], None] = print,
) -> IngestResult:
    say("ingest: connect-only pass (what the fleet's connect traffic stores)")
    wait_quiet(hub)
    before = telemetry_counts(engine)
    sims.bench(0, 1, timeout_s)
    wait_quiet(hub)
    baseline = telemetry_counts(engine).minus(before).messages

    raw = RawSubscriber(mqtt_url, topics)
    profiler: Profiler | None = None
    try:
        start = wait_quiet(hub)
        counts_before, dead_before = telemetry_counts(engine), dead_letters(engine)
        raw.pause()
        hub.pause()
        try:
            say(f"ingest: both consumers paused; burst of {messages_per_device}/device at QoS 1")
            burst = sims.bench(messages_per_device, 1, timeout_s)
            say(f"ingest: {burst['published']} published; draining the raw subscriber")
            drained = raw.drain(timeout_s)
        finally:
            raw.close()
        say(f"ingest: raw took {drained.count} messages; draining the hub")
        profiler = Profiler(hub.pid, profile_to) if profile_to is not None else None
        hub_drain = drain_hub(hub, start, drained.count, stall_s=10.0)
    finally:
        hub.resume()  # never leave it paused, whatever failed
    if profiler is not None:
        profiler.stop()
    wait_quiet(hub)
    after = telemetry_counts(engine)
    return IngestResult(
        attempted=int(burst["attempted"]),
        published=int(burst["published"]),
        publish_seconds=float(burst["seconds"]),
        publish_rate=float(burst["rate_per_s"]),
        raw=drained,
        hub=hub_drain,
        connect_baseline=baseline,
        telemetry=after.minus(counts_before),
        extra_rows=after.extra_rows,
        dead_letters=dead_letters(engine) - dead_before,
    )
