"""Devices log in with their own credentials on a broker that refuses anonymous clients."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from device_sims.device import SimOptions
from device_sims.door import Door
from device_sims.link import Identity, LinkError
from hub.registry.passwords import hash_password
from mqtt_link.address import BrokerAddress
from tests.integration.sims.conftest import door_spec
from tests.support.broker import PrivateMosquitto, mosquitto_available

pytestmark = pytest.mark.broker


@pytest.fixture
def locked_broker(tmp_path: Path) -> PrivateMosquitto:
    if not mosquitto_available():
        pytest.skip("mosquitto binary not installed")
    return PrivateMosquitto(workdir=tmp_path / "mosquitto", anonymous=False)


async def test_own_credentials_accepted_wrong_ones_refused(locked_broker: PrivateMosquitto) -> None:
    spec = door_spec()
    passwords = locked_broker.workdir / "passwords"
    locked_broker.workdir.mkdir(parents=True, exist_ok=True)
    passwords.write_text(f"{spec.device_id}:{hash_password('right-password')}\n")
    locked_broker.extra_config = f"password_file {passwords}"
    with locked_broker:
        broker = BrokerAddress.parse(locked_broker.url)
        good = replace(spec, identity=Identity(spec.device_id, spec.device_id, "right-password"))
        door = Door(good, broker, options=SimOptions(behaviour=False))
        await door.start()
        assert door.online.is_set()
        await door.stop()
        bad = replace(spec, identity=Identity(spec.device_id, spec.device_id, "wrong"))
        with pytest.raises(LinkError, match="refused"):
            await Door(bad, broker, options=SimOptions(behaviour=False)).start()
        with pytest.raises(LinkError, match="refused"):
            await Door(spec, broker, options=SimOptions(behaviour=False)).start()  # anonymous
