"""The one error type of the OSDP codecs (a :class:`CodecError` with a stable reason)."""

from __future__ import annotations

from firmware_protocols.base import CodecError


class OsdpError(CodecError):
    """Bad OSDP frame, payload, envelope or command parameters.

    ``reason`` is a short stable code such as ``bad_crc``, ``truncated`` or ``bad_length``.
    """
