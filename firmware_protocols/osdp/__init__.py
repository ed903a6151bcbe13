"""Door units: OSDP frames carried over MQTT (see PROTOCOL.md in this folder).

Layers, bottom up: ``crc`` and ``frame`` (OSDP packets), ``commands`` and ``replies``
(typed payloads, on the shapes they share in ``payload_shapes``), ``envelope`` (the binary
MQTT envelope), ``allowlist_chunks`` (offline allow-list in osdp_MFG), ``door`` (what
inputs and outputs mean, access feedback), ``status`` (JSON presence),
``uplink``/``downlink`` (hub side), ``device`` (firmware side), ``definitions`` (the hub's
entry in :mod:`firmware_protocols.codecs`).
"""
