"""Read figures from the hub's Prometheus text (``/metrics``)."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client.parser import text_string_to_metric_families


def sample_sums(text: str, names: frozenset[str]) -> dict[str, float]:
    """The sum over all label sets of each sample named in ``names`` (e.g.
    ``hub_devices_online``, ``hub_store_batch_messages_sum``); 0 for the absent ones."""
    sums = dict.fromkeys(names, 0.0)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in sums:
                sums[sample.name] += sample.value
    return sums


def by_label(text: str, name: str, label: str) -> Mapping[str, float]:
    """Values of sample ``name`` keyed by one label's value (summed over the others)."""
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                key = sample.labels.get(label, "")
                out[key] = out.get(key, 0.0) + sample.value
    return out
