"""Naming rules for codes and device ids."""

from __future__ import annotations

import pytest

from hub.registry.vocabulary import is_code, is_device_id


@pytest.mark.parametrize("code", ["wuxi", "wuxi-binhu", "c0001-b01", "a1", "x" * 48])
def test_good_codes(code: str) -> None:
    assert is_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "Wuxi",
        "wuxi_binhu",
        "wuxi--binhu",
        "-wuxi",
        "wuxi-",
        "wu xi",
        "wuxi/binhu",
        "a%",
        "x" * 49,
        "wüxi",
    ],
)
def test_bad_codes(code: str) -> None:
    assert not is_code(code)


@pytest.mark.parametrize(
    "device_id",
    ["locker-0001", "door-1000", "vending-0500", "LK-0412", "vm_12.a", "7", "A" * 128],
)
def test_good_device_ids(device_id: str) -> None:
    """Up to 128 characters, either case, as the protocol documents allow."""
    assert is_device_id(device_id)


@pytest.mark.parametrize(
    "device_id",
    [
        "",
        "locker/1",  # a topic level separator
        "locker+",
        "locker#",  # MQTT wildcards
        "a b",  # breaks ACL and password file lines
        "lk:1",  # the password file's separator
        "lk%u",  # Mosquitto ACL pattern substitution
        "-lk",
        ".lk",
        "_lk",  # must start with a letter or digit
        "lk\x00",
        "läufer",
        "A" * 129,
    ],
)
def test_bad_device_ids_would_break_topics_or_broker_files(device_id: str) -> None:
    assert not is_device_id(device_id)
