"""How big a bench run is: the full city of 2000 devices, or a quick one for tests."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hub.registry.fleet_plan import FleetSize


@dataclass(frozen=True, slots=True)
class BenchPlan:
    """Sizes and pacing of one run. ``size`` is what ``hub seed`` plans (500 communities:
    500 lockers, 500 vending machines, 1000 doors); every phase uses the whole fleet."""

    name: str
    size: FleetSize
    burst_messages: int  # telemetry messages per device in the ingest burst (QoS 1)
    unlocks: int  # resident unlocks through the API
    unlock_residents: int  # spread over this many residents (each under the rate limit)
    unlock_rate_per_s: float  # open-loop arrival rate of unlock requests
    backlog_messages: int  # what the hub drains while unlocks go on (unlock under load)
    storm_ramp_per_s: int  # simulator connects per second when the fleet comes back
    online_timeout_s: float = 180.0
    drain_timeout_s: float = 300.0
    # How long the storm waits for the hub to count the stopped fleet offline. A device
    # that publishes after its goodbye looks alive until the silence timeout (46 s).
    offline_wait_s: float = 60.0

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "communities": self.size.communities,
            "residents_per_building": self.size.residents_per_building,
            "burst_messages_per_device": self.burst_messages,
            "unlocks": self.unlocks,
            "unlock_residents": self.unlock_residents,
            "unlock_rate_per_s": self.unlock_rate_per_s,
            "backlog_messages": self.backlog_messages,
            "storm_ramp_per_s": self.storm_ramp_per_s,
        }


FULL = BenchPlan(
    name="full",
    size=FleetSize(),
    burst_messages=50,
    unlocks=300,
    unlock_residents=150,
    unlock_rate_per_s=10.0,
    backlog_messages=100_000,
    storm_ramp_per_s=10_000,
)

QUICK = BenchPlan(
    name="quick",
    size=FleetSize(communities=10, buildings_per_community=2, residents_per_building=4),
    burst_messages=50,
    unlocks=30,
    unlock_residents=15,
    unlock_rate_per_s=10.0,
    backlog_messages=3_000,
    storm_ramp_per_s=10_000,
    online_timeout_s=60.0,
    drain_timeout_s=60.0,
    offline_wait_s=10.0,
)


def for_amqtt(plan: BenchPlan) -> BenchPlan:
    """amqtt 0.12 fails under the 2000-device fleet (see hub.local_broker.launcher): a tenth."""
    communities = max(1, min(plan.size.communities, 50))
    return replace(
        plan,
        name=f"{plan.name}-amqtt",
        size=replace(plan.size, communities=communities),
        unlocks=min(plan.unlocks, 100),
        unlock_residents=min(plan.unlock_residents, 50),
        backlog_messages=min(plan.backlog_messages, 10_000),
    )
