"""Prometheus metrics of the hub, on an injected registry.

Labels stay low-cardinality: kind, reason, result, command, table, state, and ``district``
on the fleet gauges (the city's districts, from :func:`hub.registry.paths.district_of`);
never a device id.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass(frozen=True, slots=True)
class HubMetrics:
    registry: CollectorRegistry
    devices_online: Gauge
    devices_offline: Gauge
    presence_transitions: Counter
    messages_received: Counter
    messages_rejected: Counter
    dead_letters: Counter
    ingest_queue_depth: Gauge
    ingest_queue_capacity: Gauge
    ingest_lag: Histogram
    store_batch_seconds: Histogram
    store_batch_rows: Histogram
    stored_rows: Counter
    duplicate_rows: Counter
    broker_connected: Gauge
    broker_reconnects: Counter
    commands: Counter
    command_latency: Histogram
    unlocks: Counter
    unlock_latency: Histogram
    alarms_active: Gauge
    vending_sales: Counter
    vending_revenue: Counter
    locker_compartments: Gauge
    dex_audits: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> HubMetrics:
        reg = registry if registry is not None else CollectorRegistry()
        return cls(
            registry=reg,
            devices_online=Gauge(
                "hub_devices_online",
                "Devices online, by kind and district.",
                ["kind", "district"],
                registry=reg,
            ),
            devices_offline=Gauge(
                "hub_devices_offline",
                "Registered devices not online, by kind and district.",
                ["kind", "district"],
                registry=reg,
            ),
            presence_transitions=Counter(
                "hub_presence_transitions",
                "Online/offline transitions, by kind, new state and reason.",
                ["kind", "state", "reason"],
                registry=reg,
            ),
            messages_received=Counter(
                "hub_messages_received",
                "MQTT messages received from devices, by kind.",
                ["kind"],
                registry=reg,
            ),
            messages_rejected=Counter(
                "hub_messages_rejected",
                "Messages that could not be ingested, by kind and reason.",
                ["kind", "reason"],
                registry=reg,
            ),
            dead_letters=Counter(
                "hub_dead_letters",
                "Messages kept in the dead-letter store, by reason.",
                ["reason"],
                registry=reg,
            ),
            ingest_queue_depth=Gauge(
                "hub_ingest_queue_depth", "Messages received but not yet committed.", registry=reg
            ),
            ingest_queue_capacity=Gauge(
                "hub_ingest_queue_capacity", "Bound of the ingest buffer.", registry=reg
            ),
            ingest_lag=Histogram(
                "hub_ingest_lag_seconds",
                "Time from receipt to commit in the store.",
                buckets=LATENCY_BUCKETS,
                registry=reg,
            ),
            store_batch_seconds=Histogram(
                "hub_store_batch_seconds",
                "Duration of one store batch transaction.",
                buckets=BATCH_BUCKETS,
                registry=reg,
            ),
            store_batch_rows=Histogram(
                "hub_store_batch_messages",
                "Messages per store batch.",
                buckets=(1, 10, 50, 100, 250, 500, 1000, 2000, 5000),
                registry=reg,
            ),
            stored_rows=Counter(
                "hub_store_rows", "Rows written to the store, by table.", ["table"], registry=reg
            ),
            duplicate_rows=Counter(
                "hub_store_duplicates",
                "Redelivered rows the store ignored, by table.",
                ["table"],
                registry=reg,
            ),
            broker_connected=Gauge(
                "hub_broker_connected",
                "1 while the hub is connected to the broker.",
                registry=reg,
            ),
            broker_reconnects=Counter(
                "hub_broker_reconnects", "Reconnections to the broker.", registry=reg
            ),
            commands=Counter(
                "hub_commands",
                "Commands by device kind, command and final result.",
                ["kind", "command", "result"],
                registry=reg,
            ),
            command_latency=Histogram(
                "hub_command_latency_seconds",
                "Issue to final outcome of a command.",
                ["kind", "command"],
                buckets=LATENCY_BUCKETS,
                registry=reg,
            ),
            unlocks=Counter(
                "hub_unlocks",
                "Resident unlocks and compartment openings, by kind and result.",
                ["kind", "result"],
                registry=reg,
            ),
            unlock_latency=Histogram(
                "hub_unlock_latency_seconds",
                "API request to device confirmation of an unlock.",
                ["kind"],
                buckets=LATENCY_BUCKETS,
                registry=reg,
            ),
            alarms_active=Gauge(
                "hub_alarms_active",
                "Open alarms, by device kind, type, severity and district.",
                ["kind", "type", "severity", "district"],
                registry=reg,
            ),
            vending_sales=Counter(
                "hub_vending_sales",
                "Vends reported by vending machines, by district.",
                ["district"],
                registry=reg,
            ),
            vending_revenue=Counter(
                "hub_vending_revenue_fen",
                "Value of reported vends, in fen, by district.",
                ["district"],
                registry=reg,
            ),
            locker_compartments=Gauge(
                "hub_locker_compartments",
                "Locker compartments by state.",
                ["state"],
                registry=reg,
            ),
            dex_audits=Counter(
                "hub_dex_audits",
                "DEX audits stored, by district and result (valid, or why not: crc_failed,"
                " segment_count_failed, incomplete, not_dex).",
                ["district", "result"],
                registry=reg,
            ),
        )
