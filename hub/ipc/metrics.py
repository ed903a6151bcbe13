"""Prometheus metrics across the hub's processes: each worker sends its samples to the
front every second, and the front's ``/metrics`` shows one set of families, its own and
its workers' merged.

Samples with the same name and labels are added up (counters, histogram buckets, sums
and counts, and gauges, which the workers keep per partition: messages buffered, queue
capacity); for ``*_created`` the earliest time is kept, and for the gauges in
:data:`ALL_OF` (a yes/no per connection) the lowest: ``hub_broker_connected`` is 1 only
while the command lane and every worker are connected. So every metric keeps the name
and labels it had with one process, and dashboards and alert rules need not know how
many workers there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from hub.ipc.signals import FamilyRow, SampleRow

ALL_OF = frozenset({"hub_broker_connected"})


def samples_of(registry: CollectorRegistry) -> tuple[FamilyRow, ...]:
    """Everything ``registry`` exports now, as plain tuples to send."""
    families: list[FamilyRow] = []
    for metric in registry.collect():
        samples: tuple[SampleRow, ...] = tuple(
            (sample.name, tuple(sorted(sample.labels.items())), float(sample.value))
            for sample in metric.samples
        )
        families.append((metric.name, metric.type, metric.documentation, samples))
    return tuple(families)


def merge(parts: Iterable[Iterable[FamilyRow]]) -> list[Metric]:
    """One family per name, samples with equal name and labels added up."""
    kinds: dict[str, tuple[str, str]] = {}
    values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
    for families in parts:
        for name, kind, documentation, samples in families:
            kinds.setdefault(name, (kind, documentation))
            merged = values.setdefault(name, {})
            for sample_name, labels, value in samples:
                key = (sample_name, labels)
                seen = merged.get(key)
                if seen is None:
                    merged[key] = value
                elif sample_name.endswith("_created") or name in ALL_OF:
                    merged[key] = min(seen, value)
                else:
                    merged[key] = seen + value
    result: list[Metric] = []
    for name, (kind, documentation) in kinds.items():
        metric = Metric(name, documentation, kind)
        for (sample_name, labels), value in values[name].items():
            metric.add_sample(sample_name, dict(labels), value)
        result.append(metric)
    return result


class MergedMetrics(Collector):
    """The front's registry and the latest samples of each worker, as one."""

    def __init__(self, own: CollectorRegistry, workers: Mapping[int, tuple[FamilyRow, ...]]):
        self._own = own
        self._workers = workers

    def collect(self) -> Iterator[Metric]:
        yield from merge([samples_of(self._own), *self._workers.values()])

    def describe(self) -> Iterator[Metric]:
        return iter(())  # names are checked in each process's own registry


def merged_registry(
    own: CollectorRegistry, workers: Mapping[int, tuple[FamilyRow, ...]]
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MergedMetrics(own, workers))
    return registry
