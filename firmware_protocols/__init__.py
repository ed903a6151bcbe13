"""Vendor wire formats as pure codecs, shared by the hub and the simulators.

One package per protocol (``lockerlink``, ``sparkplug_b``, ``dex``, ``osdp``, ``wiegand``),
each with its ``PROTOCOL.md``. The hub-facing side of a protocol is a :class:`Definition`
registered in :mod:`firmware_protocols.codecs` under (protocol, firmware version).
"""
