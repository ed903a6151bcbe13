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


@pytest.mark.parametrize("device_id", ["locker-0001", "door-1000", "vending-0500"])
def test_good_device_ids(device_id: str) -> None:
    assert is_device_id(device_id)


@pytest.mark.parametrize("device_id", ["", "Locker-1", "locker/1", "locker+", "locker#", "a b"])
def test_bad_device_ids_would_break_topics(device_id: str) -> None:
    assert not is_device_id(device_id)
