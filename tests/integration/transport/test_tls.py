"""mqtts:// to a Mosquitto TLS listener whose certificate a private CA signed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from hub.transport.options import TransportOptions
from hub.transport.paho_transport import PahoTransport
from tests.integration.transport.conftest import collect, plain, running, started, unique
from tests.support.broker import PrivateMosquitto
from tests.support.ports import free_port
from tests.support.waiting import async_wait_until


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(directory: Path) -> None:
    """A CA, and a server certificate for 127.0.0.1 signed by it."""
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
             "-keyout", "ca.key", "-out", "ca.crt", cwd=directory)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", "server.key", "-out", "server.csr", cwd=directory)  # fmt: skip
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt",
             cwd=directory)  # fmt: skip


@pytest.fixture
def tls_broker(tmp_path: Path) -> Any:
    certs = tmp_path / "certs"
    certs.mkdir()
    make_certificates(certs)
    tls_port = free_port()
    broker = PrivateMosquitto(
        workdir=tmp_path / "mosquitto",
        extra_config="\n".join(
            [
                f"listener {tls_port} 127.0.0.1",
                f"cafile {certs / 'ca.crt'}",
                f"certfile {certs / 'server.crt'}",
                f"keyfile {certs / 'server.key'}",
            ]
        ),
    )
    broker.start()
    yield broker, tls_port, str(certs / "ca.crt")
    broker.stop()


async def test_receives_over_tls_with_a_private_ca(tls_broker: Any, peer_factory: Any) -> None:
    broker, tls_port, ca_file = tls_broker
    topic = unique("tls")
    options = TransportOptions(
        host="127.0.0.1", port=tls_port, tls=True, tls_ca_file=ca_file, client_id=unique("hub")
    )
    transport = PahoTransport(options, [plain(topic)])
    peer = peer_factory(broker)  # plain listener: the broker bridges both
    async with running(transport):
        await peer.send(topic, [b"secret-%d" % n for n in range(300)])
        received = await collect(transport, 300)
    assert [m.payload for m in received] == [b"secret-%d" % n for n in range(300)]


async def test_an_untrusted_certificate_is_refused(
    tls_broker: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _, tls_port, _ = tls_broker
    options = TransportOptions(
        host="127.0.0.1", port=tls_port, tls=True, client_id=unique("hub"), backoff_initial_s=0.05
    )
    transport = PahoTransport(options)
    async with started(transport):
        await async_wait_until(lambda: transport.failed_attempts >= 2)
        assert not transport.connected
        assert "CERTIFICATE_VERIFY_FAILED" in caplog.text
