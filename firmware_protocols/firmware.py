"""Firmware updates as every protocol carries them: the order, the progress states, the
reasons a device gives when it fails, and the one record the hub makes of progress.

A hub sends a device one ``firmware_update`` order: the image's version, size and SHA-256,
and (for devices that download over HTTP) the URL with its download token. The device
reports its progress through the states below, in this order; it installs the image only
after both size and SHA-256 match, and if anything fails it keeps running its old image
and says why. Each protocol's ``PROTOCOL.md`` describes how the order and the progress
reports look on its wire; all of them reach the hub as an :class:`~firmware_protocols.
base.Event` of type ``firmware`` whose data :func:`progress_data` builds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from firmware_protocols.base import CodecError

FirmwareState = Literal["downloading", "verifying", "installing", "rebooting", "done", "failed"]
FIRMWARE_STATES: tuple[FirmwareState, ...] = (
    "downloading",
    "verifying",
    "installing",
    "rebooting",
    "done",
    "failed",
)
FINAL_STATES: frozenset[FirmwareState] = frozenset({"done", "failed"})

# Reasons a device gives with ``failed`` (devices may add their own, 1..64 characters).
FAILURE_REASONS: tuple[str, ...] = (
    "download_failed",  # the image could not be fetched (HTTP error, token expired, network)
    "size_mismatch",  # the bytes received are not the announced size
    "checksum_mismatch",  # their SHA-256 is not the announced one
    "no_space",  # the image does not fit the spare flash bank
    "incompatible",  # the image is not for this hardware
    "install_failed",  # writing or switching the boot bank failed
    "boot_failed",  # the new image did not boot; the old one runs again (rollback)
    "busy",  # another update is in progress
)
EVENT_TYPE = "firmware"
MAX_IMAGE_BYTES = 2**31 - 1
MAX_URL_LENGTH = 1024
MAX_VERSION_LENGTH = 32
_SHA256 = re.compile(r"[0-9a-f]{64}")


def is_sha256(value: object) -> bool:
    """64 lower-case hex digits."""
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


def major_version(version: str) -> str:
    """ "2.4.1" -> "2" (a leading ``v`` is ignored), the key codecs are chosen by."""
    return version.lstrip("vV").split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class FirmwareOrder:
    """What a device is told to install. ``url`` is None where the image travels in
    chunks over the device's own protocol (OSDP file transfer)."""

    version: str
    size: int
    sha256: str
    url: str | None = None

    def __post_init__(self) -> None:
        check_order(self)


def check_order(order: FirmwareOrder) -> None:
    """CodecError ``bad_field`` unless every field is within its documented range."""
    if not 1 <= len(order.version) <= MAX_VERSION_LENGTH or not order.version.isprintable():
        raise CodecError("bad_field", f"version must be 1..{MAX_VERSION_LENGTH} printable")
    if isinstance(order.size, bool) or not 1 <= order.size <= MAX_IMAGE_BYTES:
        raise CodecError("bad_field", f"size must be 1..{MAX_IMAGE_BYTES} bytes")
    if not is_sha256(order.sha256):
        raise CodecError("bad_field", "sha256 must be 64 lower-case hex digits")
    if order.url is not None and (
        not order.url.startswith(("http://", "https://"))
        or len(order.url) > MAX_URL_LENGTH
        or not order.url.isprintable()
        or " " in order.url
    ):
        raise CodecError("bad_field", "url must be an http(s) URL of at most 1024 characters")


def order_from_params(params: dict[str, Any], *, with_url: bool) -> FirmwareOrder:
    """The hub command's parameters (``version``, ``size``, ``sha256``, ``url``) as an
    order; CodecError ``bad_field`` for missing, extra or malformed ones."""
    expected = {"version", "size", "sha256", "url"} if with_url else {"version", "size", "sha256"}
    if set(params) != expected:
        missing, extra = expected - set(params), set(params) - expected
        raise CodecError(
            "bad_field", f"firmware_update needs {sorted(missing)}, not {sorted(extra)}"
        )
    version, size, sha256 = params["version"], params["size"], params["sha256"]
    url = params.get("url")
    if not isinstance(version, str) or not isinstance(sha256, str):
        raise CodecError("bad_field", "version and sha256 must be strings")
    if not isinstance(size, int) or isinstance(size, bool):
        raise CodecError("bad_field", "size must be an integer")
    if with_url and not isinstance(url, str):
        raise CodecError("bad_field", "url must be a string")
    return FirmwareOrder(version, size, sha256, url if with_url else None)


def progress_data(
    state: FirmwareState,
    version: str,
    *,
    progress_pct: int | None = None,
    reason: str | None = None,
    command_id: str | None = None,
) -> dict[str, Any]:
    """The data of the hub's ``firmware`` event: ``state``, ``version`` (the target) and,
    where known, ``progress_pct`` (downloading), ``reason`` (failed) and ``command_id``
    (the order being carried out)."""
    data: dict[str, Any] = {"state": state, "version": version}
    if progress_pct is not None:
        data["progress_pct"] = progress_pct
    if reason is not None:
        data["reason"] = reason
    if command_id is not None:
        data["command_id"] = command_id
    return data
