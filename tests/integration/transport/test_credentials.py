"""Broker accounts: the URL's or the settings' credentials log in; wrong ones are refused."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.transport.paho_transport import PahoTransport
from tests.integration.transport.conftest import running, started, transport_on, unique
from tests.support.broker import PrivateMosquitto
from tests.support.waiting import async_wait_until


@pytest.fixture
def guarded_broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    passwords = tmp_path / "passwords"
    subprocess.run(
        ["mosquitto_passwd", "-c", "-b", str(passwords), "hub", "s3cret:pass"], check=True
    )
    broker = PrivateMosquitto(
        workdir=tmp_path / "mosquitto", anonymous=False, extra_config=f"password_file {passwords}"
    )
    broker.start()
    yield broker
    broker.stop()


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
async def test_credentials_from_the_url_log_in(
    guarded_broker: PrivateMosquitto, settings_factory: Any, protocol: str
) -> None:
    url = f"mqtt://hub:s3cret%3Apass@127.0.0.1:{guarded_broker.port}"
    settings = settings_factory(mqtt_url=url, instance_id=unique("hub"), mqtt_protocol=protocol)
    transport = PahoTransport.from_settings(settings)
    async with running(transport):
        await transport.publish(unique("t"), b"logged-in", qos=1)


async def test_wrong_credentials_are_refused_and_retried(
    guarded_broker: PrivateMosquitto, caplog: pytest.LogCaptureFixture
) -> None:
    transport = transport_on(guarded_broker, username="hub", password="wrong")
    async with started(transport):
        await async_wait_until(lambda: transport.failed_attempts >= 2)
        assert not transport.connected
    assert "Not authorized" in caplog.text or "Bad user name or password" in caplog.text
    assert "trying MQTT 3.1.1" not in caplog.text  # a refusal of the account, not of MQTT 5
