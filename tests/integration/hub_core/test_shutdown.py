"""``hub serve`` with ingest worker processes stops as a whole: SIGTERM (a service
manager's stop) and Ctrl-C (SIGINT to the terminal's process group) both end the front and
every worker, none of them left behind or started again."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from hub.bench.processes import process_tree
from tests.support.broker import PrivateMosquitto
from tests.support.hub_process import HUB, serve_env
from tests.support.ports import free_port
from tests.support.waiting import wait_until


def start_hub(tmp_path: Path, broker: PrivateMosquitto, port: int) -> subprocess.Popen[bytes]:
    database_url = f"sqlite:///{tmp_path / 'hub.db'}"
    env = {
        **os.environ,
        **serve_env(broker.url, database_url, f"stopping-{port}", ingest_workers=2, api_port=port),
    }
    log = open(tmp_path / "hub.log", "ab")  # noqa: SIM115 - owned by the child
    process = subprocess.Popen(
        [HUB, "serve"], env=env, stdout=log, stderr=log, start_new_session=True
    )

    def ready() -> bool:
        try:
            body = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).json()
        except httpx.HTTPError:
            return False
        return bool(body.get("ready")) and len(body.get("workers", [])) == 2

    wait_until(ready, what="hub with two workers ready")
    return process


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c"])
def test_the_front_and_its_workers_stop_together(
    tmp_path: Path, private_mosquitto: PrivateMosquitto, how: str
) -> None:
    process = start_hub(tmp_path, private_mosquitto, free_port())
    members = process_tree(process.pid)
    assert len(members) == 3, members  # the front and two workers
    if how == "sigterm":
        process.send_signal(signal.SIGTERM)
    else:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    try:
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert code == 0, (tmp_path / "hub.log").read_text()[-2000:]
    wait_until(
        lambda: not any(Path(f"/proc/{pid}").exists() for pid in members[1:]),
        what="the workers gone",
    )
    log = (tmp_path / "hub.log").read_text()
    assert "starting it again" not in log  # no worker was restarted while stopping
