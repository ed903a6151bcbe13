"""The ceiling: a bare paho subscriber in its own process, on the hub's topic filters.

``python -m hub.bench.raw_subscriber --url URL --topic F [--topic F...]`` connects with
MQTT 3.1.1 (paho's default), subscribes to every filter at QoS 1 (acknowledged by paho at
once), prints ``ready`` and waits for a ``drain`` line on stdin. The bench pauses it
(SIGSTOP) while the burst is published and resumes it (SIGCONT) before writing ``drain``;
the subscriber then counts until no message has come for ``--idle`` seconds and prints
one JSON line: ``{"count", "first", "last", "cpu_s"}`` (wall-clock seconds, and its CPU
time while draining). Retained messages
(the broker's replay at subscribe time) are not counted.

:class:`RawSubscriber` is the bench's handle on that process.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hub.bench.children import BenchError
from mqtt_link.address import BrokerAddress

NO_MESSAGE_TIMEOUT_S = 30.0


class _Counter:
    def __init__(self) -> None:
        self.count = 0
        self.first = 0.0
        self.last = 0.0

    def on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if message.retain:
            return
        now = time.time()
        if self.count == 0:
            self.first = now
        self.count += 1
        self.last = now


def _serve(url: str, topics: Sequence[str], idle_s: float, out: IO[str]) -> None:
    address = BrokerAddress.parse(url)
    counter = _Counter()
    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-raw-{uuid.uuid4().hex[:8]}")
    if address.username:
        client.username_pw_set(address.username, address.password)
    client.on_message = counter.on_message
    client.on_connect = lambda c, *_: c.subscribe([(t, 1) for t in topics])
    client.on_subscribe = lambda *_: subscribed.set()
    client.connect(address.host, address.port, keepalive=600)
    loop = threading.Thread(target=client.loop_forever, name="raw-paho", daemon=True)
    loop.start()
    if not subscribed.wait(30):
        raise SystemExit("raw subscriber: no SUBACK within 30 s")
    print("ready", file=out, flush=True)
    if sys.stdin.readline().strip() != "drain":
        raise SystemExit("raw subscriber: expected 'drain' on stdin")
    started, cpu_started = time.time(), time.process_time()
    while True:
        time.sleep(0.05)
        now = time.time()
        if counter.count == 0 and now - started > NO_MESSAGE_TIMEOUT_S:
            break
        if counter.count and now - counter.last > idle_s:
            break
    client.disconnect()
    loop.join(5)
    result = {
        "count": counter.count,
        "first": counter.first,
        "last": counter.last,
        "cpu_s": time.process_time() - cpu_started,
    }
    print(json.dumps(result), file=out, flush=True)


@dataclass(frozen=True, slots=True)
class RawDrain:
    count: int
    first: float
    last: float
    resumed: float
    cpu_seconds: float  # the subscriber's CPU time while draining

    @property
    def seconds(self) -> float:
        """From resuming the subscriber to its last message."""
        return max(0.0, self.last - self.resumed)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


class RawSubscriber:
    """The raw subscriber process: start (ready), pause, resume and drain."""

    def __init__(self, url: str, topics: Sequence[str], idle_s: float = 2.0) -> None:
        command = [sys.executable, "-m", "hub.bench.raw_subscriber", "--url", url]
        for topic in topics:
            command += ["--topic", topic]
        command += ["--idle", str(idle_s)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if line != "ready":
            self.close()
            raise BenchError("the raw subscriber did not subscribe")

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def drain(self, timeout_s: float) -> RawDrain:
        """Resume it, let it count the backlog, and read its result."""
        assert self.process.stdin is not None and self.process.stdout is not None
        resumed = time.time()
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.stdin.write("drain\n")
        self.process.stdin.flush()
        try:
            out, _ = self.process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            self.close()
            raise BenchError(f"the raw subscriber did not finish in {timeout_s:.0f} s") from exc
        lines = out.strip().splitlines()
        if self.process.returncode != 0 or not lines:
            raise BenchError(f"the raw subscriber failed (exit {self.process.returncode})")
        data = json.loads(lines[-1])
        return RawDrain(
            int(data["count"]),
            float(data["first"]),
            float(data["last"]),
            resumed,
            float(data["cpu_s"]),
        )

    def close(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
            self.process.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Bare paho subscriber for hub bench.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--topic", action="append", required=True)
    parser.add_argument("--idle", type=float, default=2.0)
    args = parser.parse_args(argv)
    _serve(args.url, args.topic, args.idle, sys.stdout)


if __name__ == "__main__":
    main()
