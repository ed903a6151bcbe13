"""Which ingest worker owns a device, and the topic filters that bring it the device.

A device belongs to worker ``crc32(device id) mod N``: stable across restarts, processes
and replicas with the same N, and spread evenly. The worker subscribes to the exact
topics of its own devices (see ``Definition.device_subscriptions``), so the broker hands
each device's messages to one worker, in the order the device sent them, and no worker
reads another's. See docs/architecture.md for why this, rather than one reader that
dispatches or shared subscriptions (which hand out messages round robin, not by device).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from firmware_protocols.base import CodecError, Subscription
from firmware_protocols.codecs import Codecs, UnknownDefinition
from hub.ingest.directory import DeviceInfo


def partition_of(device_id: str, workers: int) -> int:
    """The index of the worker that owns ``device_id`` among ``workers``."""
    return zlib.crc32(device_id.encode("utf-8")) % workers


@dataclass(frozen=True, slots=True)
class Partition:
    index: int
    count: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"worker {self.index} of {self.count}")

    def owns(self, device_id: str) -> bool:
        return self.count == 1 or partition_of(device_id, self.count) == self.index

    def label(self) -> str:
        return f"{self.index + 1}/{self.count}"


def device_filters(codecs: Codecs, devices: Iterable[DeviceInfo]) -> dict[str, Subscription]:
    """Every uplink filter of ``devices``, keyed by filter."""
    filters: dict[str, Subscription] = {}
    for info in devices:
        try:
            subscriptions = codecs.device_subscriptions(info.protocol, info.device_id)
        except (UnknownDefinition, CodecError, ValueError):
            continue  # no codec, or an id that cannot be a topic level: nothing to hear
        for subscription in subscriptions:
            filters[subscription.topic_filter] = subscription
    return filters
