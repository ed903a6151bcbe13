"""``hub serve`` as a child process, for tests that kill or restart it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET_KEY
from tests.support.ports import free_port
from tests.support.processes import stop_process
from tests.support.waiting import wait_until

HUB = str(Path(sys.executable).parent / "hub")


def serve_env(
    broker_url: str, database_url: str, instance_id: str, **settings: object
) -> dict[str, str]:
    """``hub serve``'s environment for a test: its broker, its database, its instance id
    and the tests' secret key; each of ``settings`` as ``HUB_<NAME>``."""
    env = {
        "HUB_MQTT_URL": broker_url,
        "HUB_DATABASE_URL": database_url,
        "HUB_SECRET_KEY": TEST_SECRET_KEY,
        "HUB_INSTANCE_ID": instance_id,
    }
    env.update({f"HUB_{name.upper()}": str(value) for name, value in settings.items()})
    return env


@dataclass
class HubProcess:
    env: dict[str, str]
    log_path: Path
    api_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self, attempts: int = 3) -> None:
        """Start it; a port found free can be taken before the hub binds it (an outgoing
        connection's ephemeral port, say), so a hub that exits while starting is started
        again on another port."""
        for attempt in range(attempts):
            env = {**os.environ, **self.env, "HUB_API_PORT": str(self.api_port)}
            log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child
            self.process = subprocess.Popen([HUB, "serve"], env=env, stdout=log, stderr=log)
            try:
                wait_until(self.ready, what=f"hub on port {self.api_port} ready")
                return
            except AssertionError:
                if attempt == attempts - 1 or self.process.poll() is None:
                    raise
                self.api_port = free_port()

    def ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"hub exited: {self.log_path.read_text()[-3000:]}")
        try:
            return (
                httpx.get(f"http://127.0.0.1:{self.api_port}/readyz", timeout=1).status_code == 200
            )
        except httpx.HTTPError:
            return False

    def metrics_text(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.api_port}/metrics", timeout=5).text

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no DISCONNECT, nothing flushed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def kill_all(self) -> None:
        """SIGKILL the front and its ingest workers at once, as a power cut would."""
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(child), signal.SIGKILL)
        self.kill()

    def stop(self) -> None:
        stop_process(self.process, timeout_s=15)
        self.process = None
