"""Start the embedded broker as a child process and stop it with the hub."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from hub.embedded_broker import choose_port


def _wait_for_port(
    host: str, port: int, process: subprocess.Popen[bytes], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"embedded broker exited with code {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"embedded broker did not listen on {host}:{port}")


@contextmanager
def embedded_broker(host: str = "127.0.0.1", preferred_port: int = 1883) -> Iterator[str]:
    """Yield the URL of a freshly started embedded broker (amqtt)."""
    port = choose_port(host, preferred_port)
    if port != preferred_port:
        print(f"port {preferred_port} is taken: embedded broker on {host}:{port}", flush=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.embedded_broker", "--host", host, "--port", str(port)]
    )
    try:
        _wait_for_port(host, port, process, timeout_s=20)
        yield f"mqtt://{host}:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
