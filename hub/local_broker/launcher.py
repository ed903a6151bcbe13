"""A broker of the hub's own for the demo and the bench, as a child process.

Mosquitto when its binary is installed (a private instance with its own config and
persistence in a temporary folder), otherwise the embedded amqtt broker. amqtt is the
zero-install fallback: measured here, amqtt 0.12 fails under the 2000-device fleet
(``RuntimeError: dictionary changed size during iteration`` in its connect handler and
PUBACK time-outs), so callers shrink the fleet when they get it.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hub.local_broker.amqtt_process import choose_port

MOSQUITTO_PATHS = ("mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")


@dataclass(frozen=True, slots=True)
class LocalBroker:
    url: str
    kind: str  # "mosquitto" or "amqtt"

    @property
    def supports_shared_subscriptions(self) -> bool:
        return self.kind == "mosquitto"

    @property
    def protocol(self) -> str:
        return "auto" if self.kind == "mosquitto" else "3.1.1"


def mosquitto_binary() -> str | None:
    for candidate in MOSQUITTO_PATHS:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _wait_for_port(
    host: str, port: int, process: subprocess.Popen[bytes], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local broker exited with code {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"local broker did not listen on {host}:{port}")


def mosquitto_config(port: int, workdir: Path) -> str:
    return "\n".join(
        [
            f"user {getpass.getuser()}",
            f"listener {port} 127.0.0.1",
            "allow_anonymous true",
            "persistence true",
            f"persistence_location {workdir}/",
            "max_queued_messages 1000000",
            "max_inflight_messages 1000",
            # Commands and replies are small packets: without this, Nagle's algorithm on
            # the broker holds each one back for a delayed ACK (tens of ms per hop).
            "set_tcp_nodelay true",
            "log_dest stderr",
            "log_type error",
            "",
        ]
    )


@contextmanager
def local_broker(
    host: str = "127.0.0.1", preferred_port: int = 1883, *, prefer_mosquitto: bool = True
) -> Iterator[LocalBroker]:
    """Start a broker and yield its address; stop it on exit."""
    port = choose_port(host, preferred_port)
    if port != preferred_port:
        print(f"port {preferred_port} is taken: local broker on {host}:{port}", flush=True)
    binary = mosquitto_binary() if prefer_mosquitto else None
    with tempfile.TemporaryDirectory(prefix="hub-broker-") as tmp:
        workdir = Path(tmp)
        if binary is not None:
            config = workdir / "mosquitto.conf"
            config.write_text(mosquitto_config(port, workdir))
            command = [binary, "-c", str(config)]
            kind = "mosquitto"
        else:
            command = [sys.executable, "-m", "hub.local_broker.amqtt_process", "--host", host]
            command += ["--port", str(port)]
            kind = "amqtt"
        process = subprocess.Popen(command)
        try:
            _wait_for_port(host, port, process, timeout_s=20)
            yield LocalBroker(f"mqtt://{host}:{port}", kind)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def embedded_broker(host: str = "127.0.0.1", preferred_port: int = 1883) -> Iterator[str]:
    """The embedded amqtt broker (for `hub serve` without HUB_MQTT_URL)."""
    with local_broker(host, preferred_port, prefer_mosquitto=False) as broker:
        yield broker.url
