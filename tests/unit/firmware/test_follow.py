"""The device directory follows a reported firmware version: a new codec when the version
needs another definition, the same (stateful) session when it does not."""

from __future__ import annotations

from firmware_protocols.base import Command
from firmware_protocols.codecs import all_codecs
from hub.ingest.directory import DeviceDirectory, DeviceInfo

DEVICES = [
    DeviceInfo("lk-1", "locker", "lockerlink", "1.8.2", True, "c/d/s/c1"),
    DeviceInfo("vm-1", "vending", "sparkplug_b", "2.4.1", True, "c/d/s/c1"),
]


def directory() -> DeviceDirectory:
    found = DeviceDirectory(lambda: DEVICES, all_codecs())
    found.refresh()
    return found


def test_a_locker_on_a_new_generation_gets_its_codec() -> None:
    devices = directory()
    followed = devices.follow_firmware("lk-1", "2.0.0")
    assert followed is not None and followed.firmware_version == "2.0.0"
    entry = devices.get("lk-1")
    assert entry is not None and entry.info.firmware_version == "2.0.0"
    [out] = entry.session.encode_command(Command("ab" * 16, "reboot", {}, 10))
    assert out.payload.startswith(b'{"v":2')
    assert devices.follow_firmware("lk-1", "2.0.0") is None  # already there


def test_same_definition_keeps_the_session_and_unknown_versions_are_refused() -> None:
    devices = directory()
    before = devices.get("vm-1")
    assert before is not None
    assert devices.follow_firmware("vm-1", "2.5.0") is not None
    after = devices.get("vm-1")
    assert after is not None and after.session is before.session  # aliases and seq kept
    assert devices.follow_firmware("lk-1", "3.0.0") is None  # no lockerlink generation 3
    assert devices.get("lk-1").info.firmware_version == "1.8.2"  # type: ignore[union-attr]
    assert devices.follow_firmware("nobody", "1.0") is None
