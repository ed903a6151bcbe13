"""The bench's private broker: Mosquitto when its binary is installed, else amqtt."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata

from hub.bench.children import free_port
from hub.local_broker.launcher import LocalBroker, local_broker, mosquitto_binary


@dataclass(frozen=True, slots=True)
class BenchBroker:
    url: str
    kind: str  # "mosquitto" or "amqtt"
    version: str
    protocol: str  # HUB_MQTT_PROTOCOL for the hub: "auto", or "3.1.1" for amqtt
    shared_subscriptions: bool

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "version": self.version, "url": self.url}


def mosquitto_version(binary: str) -> str:
    """``mosquitto -h`` prints ``mosquitto version 2.0.11`` first (and exits 3)."""
    try:
        result = subprocess.run(
            [binary, "-h"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    for line in (result.stdout + result.stderr).splitlines():
        if line.startswith("mosquitto version"):
            return line.removeprefix("mosquitto version").strip()
    return "unknown"


def _version(broker: LocalBroker) -> str:
    if broker.kind == "mosquitto":
        binary = mosquitto_binary()
        return mosquitto_version(binary) if binary else "unknown"
    try:
        return metadata.version("amqtt")
    except metadata.PackageNotFoundError:
        return "unknown"


@contextmanager
def bench_broker(
    *, prefer_mosquitto: bool = True, host: str = "127.0.0.1"
) -> Iterator[BenchBroker]:
    """A private broker on a free port, stopped on exit. Never the system's broker: the
    bench must be the only load on it."""
    with local_broker(host, free_port(), prefer_mosquitto=prefer_mosquitto) as broker:
        yield BenchBroker(
            url=broker.url,
            kind=broker.kind,
            version=_version(broker),
            protocol=broker.protocol,
            shared_subscriptions=broker.supports_shared_subscriptions,
        )
