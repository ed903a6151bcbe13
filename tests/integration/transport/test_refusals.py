"""A publish the broker refuses (by ACL) comes back as a clear error; the connection
carries on. (Mosquitto 2.0 grants every SUBSCRIBE and filters on delivery, so a refused
subscription cannot be shown with it.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.transport.errors import PublishRejected
from tests.integration.transport.conftest import running, transport_on
from tests.support.broker import PrivateMosquitto


@pytest.fixture
def strict_broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """Anonymous clients may use ``open/#`` only."""
    acl = tmp_path / "acl"
    acl.write_text("topic readwrite open/#\n")
    broker = PrivateMosquitto(workdir=tmp_path / "mosquitto", extra_config=f"acl_file {acl}")
    broker.start()
    yield broker
    broker.stop()


async def test_a_refused_publish_raises_publish_rejected(strict_broker: PrivateMosquitto) -> None:
    transport = transport_on(strict_broker, protocol="5")
    async with running(transport):
        with pytest.raises(PublishRejected) as caught:
            await transport.publish("closed/x", b"no", qos=1)
        assert caught.value.topic == "closed/x"
        await transport.publish("open/y", b"yes", qos=1)  # the connection is fine
        assert transport.generation == 1
