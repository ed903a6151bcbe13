"""One bench run, phase after phase, on a private broker and a fresh store.

broker (Mosquitto, else amqtt) > fresh store, seeded > ``hub serve`` (child process,
its RSS sampled from /proc throughout) > ingest (raw ceiling, then the hub, same burst) >
the whole fleet running (``device-sims run``), once the hub has finished the work its
arrival starts (CPU below half a core) > unlocks through the API > presence storm.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy import Engine, make_url
from sqlmodel import Session, col, select

from firmware_protocols.codecs import all_codecs
from hub.bench.broker import BenchBroker, bench_broker
from hub.bench.children import BenchError, HubChild, SimsCommand, clean_env
from hub.bench.ingest import IngestResult, run_ingest
from hub.bench.machine import this_machine
from hub.bench.plan import BenchPlan, for_amqtt
from hub.bench.presence_storm import (
    AnnouncementWatcher,
    FleetProcess,
    StormResult,
    announcement_topics,
    run_storm,
)
from hub.bench.profile import summarize
from hub.bench.report import BenchReport, targets_for
from hub.bench.rss import RssSampler
from hub.bench.settle import wait_settled
from hub.bench.under_load import UnderLoadResult, run_under_load
from hub.bench.unlock import UnlockResult, run_unlocks
from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.registry.errors import AlreadySeeded
from hub.registry.models import Node
from hub.registry.seeding import seed_registry
from hub.registry.tokens import mint_operator_token

HUB_KEEPALIVE_S = 600  # the hub is paused while the burst is published: no ping meanwhile


@dataclass(frozen=True, slots=True)
class BenchOptions:
    plan: BenchPlan
    database_url: str | None = None  # None: a fresh SQLite file in a temporary folder
    prefer_mosquitto: bool = True
    profile_to: Path | None = None  # py-spy summary of the hub during the ingest drain
    seed: int = 1
    hub_settings: Mapping[str, str] = field(default_factory=dict)  # HUB_* for the hub only


def _seed(engine: Engine, plan: BenchPlan, secret_key: str, seed: int, path: Path) -> int:
    upgrade(engine)
    try:
        report = seed_registry(
            engine, secret_key=secret_key, seed=seed, secrets_path=path, size=plan.size
        )
    except AlreadySeeded as exc:
        raise BenchError(
            "the bench needs an empty database (it seeds its own fleet); "
            "give --database-url a freshly created one"
        ) from exc
    return sum(report.devices.values())


def _operator_token(engine: Engine) -> str:
    with Session(engine) as session:
        city = session.exec(select(Node).where(col(Node.level) == "city")).one()
        return mint_operator_token(session, city.code, "hub bench")


def _hub_env(
    broker: BenchBroker, database_url: str, secret_key: str, settings: Mapping[str, str]
) -> dict[str, str]:
    return clean_env(
        {
            **settings,
            "HUB_MQTT_URL": broker.url,
            "HUB_MQTT_PROTOCOL": broker.protocol,
            "HUB_MQTT_KEEPALIVE_S": str(HUB_KEEPALIVE_S),
            "HUB_SHARE_GROUP": "hub" if broker.shared_subscriptions else "",
            "HUB_DATABASE_URL": database_url,
            "HUB_SECRET_KEY": secret_key,
            "HUB_API_HOST": "127.0.0.1",
            "HUB_INSTANCE_ID": f"bench-{secrets.token_hex(4)}",
            "HUB_LOG_LEVEL": "WARNING",
        }
    )


def _figures(
    ingest: IngestResult,
    unlocks: UnlockResult,
    loaded: UnderLoadResult,
    storm: StormResult,
    rss_mb: float,
    workers: int,
) -> dict[str, float]:
    return {
        "raw_subscriber_msgs_per_s": round(ingest.raw_per_s, 1),
        "ingest_msgs_per_s": round(ingest.ingest_per_s, 1),
        "ingest_ratio": round(ingest.ratio, 3),
        "hub_cpu_us_per_message": ingest.hub_cpu_us_per_message,
        "ingest_workers": float(workers),
        "unlock_p50_ms": round(unlocks.p50_ms, 2),
        "unlock_p99_ms": round(unlocks.p99_ms, 2),
        "unlock_under_load_p50_ms": round(loaded.unlocks.p50_ms, 2),
        "unlock_under_load_p99_ms": round(loaded.unlocks.p99_ms, 2),
        "unlock_under_load_errors": float(loaded.unlocks.errors),
        "presence_storm_s": round(storm.storm_seconds, 3),
        "hub_rss_mb": round(rss_mb, 1),
        "lost": float(ingest.lost),
        "duplicates": float(ingest.extra_rows),
    }


DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "raw_subscriber_msgs_per_s": "bare paho 3.1.1 subscriber (loop_forever, own process) on "
        "the hub's topic filters at QoS 1: messages / (resume to last message) while draining "
        "the burst the broker held for it",
        "ingest_msgs_per_s": "the messages the hub's ingest workers committed to the store "
        "(their counts in /readyz) / (resume to the last commit, as each worker stamps it), "
        "same burst, held the same way",
        "hub_cpu_us_per_message": "CPU time of every hub process (the front and its workers, "
        "from /proc) from resuming to the last commit, per message committed",
        "ingest_workers": "ingest worker processes of the hub (HUB_INGEST_WORKERS, default the "
        "machine's cores)",
        "unlock_under_load_p50_ms": "as unlock_p50_ms, while the hub drains a backlog the broker "
        "held for it (lockerlink and OSDP uplinks published while the hub was paused), from "
        "its resumption until the backlog is committed",
        "unlock_under_load_p99_ms": "as unlock_under_load_p50_ms, 99th percentile (nearest rank)",
        "unlock_under_load_errors": "unlocks under load not answered 200 confirmed",
        "ingest_ratio": "ingest_msgs_per_s / raw_subscriber_msgs_per_s",
        "unlock_p50_ms": "POST /api/v1/doors/{id}/unlock to its answer (200 once the door "
        "confirmed), every request counted whatever its status, open-loop at the plan's rate, "
        "with the whole fleet running (device-sims run) and the hub settled",
        "unlock_p99_ms": "as unlock_p50_ms, 99th percentile (nearest rank)",
        "presence_storm_s": "the first device announcing itself to the broker (status or NBIRTH) "
        "to the hub counting all online (GET /api/v1/fleet/summary every 50 ms), after the whole "
        "fleet was stopped and started again at once",
        "hub_rss_mb": "peak of the summed VmRSS of the hub's processes (the front and its "
        "workers) over the run, sampled every 250 ms",
        "lost": "burst messages the broker acknowledged minus distinct (device, seq) telemetry "
        "stored by the burst pass (less the fleet's connect traffic, from a connect-only pass)",
        "duplicates": "telemetry rows beyond one per (device, seq), whole table",
    }
)


def run_bench(options: BenchOptions, say: Callable[[str], None] = print) -> BenchReport:
    machine = this_machine()  # load average before the bench adds its own
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        broker = stack.enter_context(bench_broker(prefer_mosquitto=options.prefer_mosquitto))
        plan = options.plan
        notes: list[str] = []
        if broker.kind != "mosquitto":
            plan = for_amqtt(plan)
            why = "mosquitto is not installed" if options.prefer_mosquitto else "--amqtt"
            notes.append(
                f"{why}: measured on the embedded amqtt broker with a smaller fleet "
                f"({plan.size.communities} communities); not comparable with the targets"
            )
            say(notes[-1])
        say(f"broker: {broker.kind} {broker.version} at {broker.url}")
        database_url = options.database_url or f"sqlite:///{workdir / 'bench.db'}"
        engine = make_engine(database_url)
        stack.callback(engine.dispose)
        secret_key = secrets.token_urlsafe(32)
        secrets_path = workdir / "secrets.json"
        devices = _seed(engine, plan, secret_key, options.seed, secrets_path)
        say(f"store: {engine.dialect.name}, seeded {devices} devices")
        if options.hub_settings:
            given = " ".join(f"{k}={v}" for k, v in sorted(options.hub_settings.items()))
            notes.append(f"hub settings given: {given}")
            say(notes[-1])
        hub_env = _hub_env(broker, database_url, secret_key, options.hub_settings)
        hub = HubChild(hub_env, workdir / "hub.log")
        stack.callback(hub.stop)
        hub.start()
        rss = RssSampler(hub.pid)
        rss.start()
        stack.callback(rss.stop)
        sims = SimsCommand(broker.url, database_url, secrets_path, workdir)
        # What the ingest workers take: every uplink but the replies (the command lane's).
        codecs = all_codecs()
        replies = {s.topic_filter for s in codecs.reply_subscriptions()}
        topics = [s.topic_filter for s in codecs.subscriptions() if s.topic_filter not in replies]

        rss.phase("ingest")
        spy = (
            options.profile_to.with_suffix(".collapsed") if options.profile_to is not None else None
        )
        ingest = run_ingest(
            hub, sims, engine, topics, broker.url, plan.burst_messages, plan.drain_timeout_s,
            profile_to=spy, say=say,
        )  # fmt: skip
        if options.profile_to is not None and spy is not None:
            options.profile_to.write_text(summarize(spy.read_text()).text())
            notes.append("profiled with py-spy: the ingest figures include its sampling cost")
            say(f"profile: summary in {options.profile_to}, stacks in {spy}")

        rss.phase("fleet")
        fleet = FleetProcess(hub, sims, _operator_token(engine), devices)
        stack.callback(fleet.stop)
        fleet.start()
        online_s = fleet.wait_online(plan.online_timeout_s)
        say(f"fleet: {devices} devices online in the hub after {online_s:.1f} s")
        settled = wait_settled(hub.pid, timeout_s=plan.online_timeout_s)
        say(
            f"fleet: hub settled after {settled.seconds:.1f} s more "
            f"({settled.cpu_percent:.0f} % of a core with the fleet running)"
        )

        rss.phase("unlock")
        say(f"unlock: {plan.unlocks} unlocks at {plan.unlock_rate_per_s:g}/s")
        unlocks = run_unlocks(
            hub.base_url,
            engine,
            plan.unlocks,
            plan.unlock_residents,
            plan.unlock_rate_per_s,
            options.seed,
        )
        rss.phase("unlock-under-load")
        loaded = run_under_load(
            hub,
            engine,
            broker.url,
            plan.backlog_messages,
            plan.unlock_residents,
            plan.unlock_rate_per_s,
            options.seed + 1,
            say=say,
        )
        workers = len(hub.workers())
        rss.phase("storm")
        say("presence storm: stopping the fleet, then bringing it back at once")
        watcher = AnnouncementWatcher(broker.url, announcement_topics(topics), devices)
        stack.callback(watcher.close)
        storm = run_storm(
            fleet, watcher, plan.storm_ramp_per_s, plan.online_timeout_s, plan.offline_wait_s
        )
        rss.phase("after-storm")
        fleet.stop()
        peaks = rss.peaks()
    details: dict[str, Any] = {
        "ingest": ingest.details(),
        "unlock": unlocks.details(),
        "unlock_under_load": loaded.details(),
        "presence_storm": storm.details(),
        "fleet_online_s": round(online_s, 3),
        "fleet_settle_s": round(settled.seconds, 1),
        "hub_cpu_percent_with_fleet": round(settled.cpu_percent, 1),
        "hub_rss_peak_mb_by_phase": {k: round(v, 1) for k, v in peaks.items()},
    }
    store_url = make_url(database_url).render_as_string(hide_password=True)
    context = {
        "broker": broker.as_dict(),
        "store": {"dialect": engine.dialect.name, "url": store_url},
        "machine": machine.as_dict(),
        "plan": {**plan.as_dict(), "devices": devices},
        "definitions": dict(DEFINITIONS),
        "details": details,
        "notes": notes,
        "command": " ".join(["hub", *sys.argv[1:]]) if sys.argv else "hub bench",
        "started_at": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.time() - started, 1),
    }
    rss_mb = max(peaks.values(), default=0.0)
    return BenchReport(
        _figures(ingest, unlocks, loaded, storm, rss_mb, workers),
        context,
        targets_for(engine.dialect.name),
    )
