"""The processes a bench run starts: ``hub serve``, the simulators, their stopping.

Each runs with its own output in the bench's temporary folder, so a failure can show
the end of its log.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hub.bench.metrics_text import sample_sums
from hub.bench.processes import signal_tree


class BenchError(RuntimeError):
    """A bench phase could not run (a child failed, nothing came online...)."""


def script(name: str) -> str:
    """A console script of this installation (``hub``, ``device-sims``)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise BenchError(f"the {name!r} command is not installed")
    return found


def log_tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGINT) -> None:
    """Ask politely (SIGINT: both CLIs shut down cleanly on it), then kill after 20 s."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGCONT)  # a paused process cannot act on the signal
    process.send_signal(sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This environment without any HUB_* variable (the bench sets its own), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class HubChild:
    """``hub serve`` as a child process on a free API port; ready when /readyz answers."""

    env: dict[str, str]
    log_path: Path
    api_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise BenchError("the hub is not running")
        return self.process.pid

    def start(self, timeout_s: float = 120.0, attempts: int = 3) -> None:
        """Start it; a free port can be taken by someone else before the hub binds it, so
        a hub that exits while starting is tried again on another port."""
        for attempt in range(attempts):
            self.api_port = free_port()
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    [script("hub"), "serve"],
                    env={**self.env, "HUB_API_PORT": str(self.api_port)},
                    stdout=log,
                    stderr=log,
                )
            try:
                self._wait_ready(timeout_s)
                return
            except BenchError:
                if attempt == attempts - 1 or self.process.poll() is None:
                    raise

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.ready():
            if time.monotonic() > deadline:
                raise BenchError(f"hub not ready after {timeout_s:.0f} s")
            time.sleep(0.1)

    def ready(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise BenchError(f"hub exited:\n{log_tail(self.log_path)}")
        try:
            return self.client.get(f"{self.base_url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        """GET from the hub's API; a failure (the hub gone, an error status) is a BenchError
        carrying the end of the hub's log."""
        try:
            response = self.client.get(f"{self.base_url}{path}", headers=headers)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise BenchError(f"GET {path} failed ({exc}):\n{log_tail(self.log_path)}") from exc
        return response

    def metrics(self, names: frozenset[str]) -> dict[str, float]:
        return sample_sums(self.get("/metrics").text, names)

    def pause(self) -> None:
        """Stop the front and its ingest workers (SIGSTOP to the process tree)."""
        signal_tree(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        signal_tree(self.pid, signal.SIGCONT)

    def workers(self) -> list[dict[str, Any]]:
        """Each ingest worker's counters, from /readyz (as of its last report)."""
        response = self.client.get(f"{self.base_url}/readyz", timeout=5)
        workers: list[dict[str, Any]] = response.json().get("workers", [])
        return workers

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
        self.client.close()


@dataclass(frozen=True, slots=True)
class SimsCommand:
    """Arguments every ``device-sims`` run of the bench shares."""

    mqtt_url: str
    database_url: str
    secrets_path: Path
    workdir: Path

    def args(self, subcommand: str) -> list[str]:
        return [
            script("device-sims"),
            subcommand,
            "--mqtt-url", self.mqtt_url,
            "--database-url", self.database_url,
            "--secrets", str(self.secrets_path),
        ]  # fmt: skip

    def bench(self, messages: int, qos: int, timeout_s: float) -> dict[str, Any]:
        """``device-sims bench --json``: connect the fleet, publish the burst, report."""
        log_path = self.workdir / "sims-bench.log"
        command = [*self.args("bench"), "--messages", str(messages), "--qos", str(qos), "--json"]
        with open(log_path, "ab") as log:
            try:
                result = subprocess.run(
                    command,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    timeout=timeout_s,
                    check=False,
                    env=clean_env({}),
                )
            except subprocess.TimeoutExpired as exc:
                raise BenchError(f"device-sims bench took over {timeout_s:.0f} s") from exc
        lines = result.stdout.decode(errors="replace").strip().splitlines()
        if result.returncode != 0 or not lines:
            raise BenchError(f"device-sims bench failed:\n{log_tail(log_path)}")
        report: dict[str, Any] = json.loads(lines[-1])
        return report

    def run(self, extra: Sequence[str] = ()) -> subprocess.Popen[bytes]:
        """``device-sims run`` in the background (stop it with :func:`stop_process`)."""
        with open(self.workdir / "sims-run.log", "ab") as log:
            return subprocess.Popen(
                [*self.args("run"), *extra], stdout=log, stderr=log, env=clean_env({})
            )
