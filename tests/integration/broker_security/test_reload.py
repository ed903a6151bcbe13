"""Rerunning ``hub broker-config`` and reloading Mosquitto (SIGHUP) applies registry
changes to a running broker: a device disabled since is locked out."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.integration.broker_security.conftest import disable, generate, start_secured
from tests.integration.broker_security.probes import connect
from tests.support.waiting import wait_until

pytestmark = pytest.mark.broker


def test_a_rerun_and_a_reload_lock_out_a_device_disabled_since(tmp_path: Path) -> None:
    secured = start_secured(tmp_path, disable_one=False)
    door = secured.disabled  # still enabled: this test disables it itself
    locker = secured.of_kind("locker")[0]
    try:
        before = connect(secured.device_port, door.id, door.password)
        assert not before.refused

        disable(secured.engine, door.id)
        config = generate(secured.engine, secured.secrets, secured.out_dir, secured.policy)
        assert door.id in config.disabled and door.id not in config.devices
        assert secured.broker.process is not None
        secured.broker.process.send_signal(signal.SIGHUP)

        # Mosquitto rechecks connected clients' passwords on reload and drops this one.
        wait_until(lambda: before.disconnects, what="the disabled door to be dropped")
        # The reload has happened by now: a fresh attempt is refused.
        assert connect(secured.device_port, door.id, door.password).refused
        still = connect(secured.device_port, locker.id, locker.password)
        assert not still.refused
        still.close()
        before.close()
    finally:
        secured.broker.stop()
        secured.engine.dispose()
