"""EVA-DTS DEX/UCS sales audits: a tolerant reader, typed values and a writer.

Vending machines send these files as the Sparkplug string metric ``DEX/Audit`` (named in
``firmware_protocols.sparkplug_b.vending_model``); the hub reads them with
:func:`read_dex`, the simulators write them with :func:`write_dex`.
See ``PROTOCOL.md`` beside this file.
"""

from firmware_protocols.dex.checks import CountCheck, CrcCheck
from firmware_protocols.dex.crc import crc16_arc, format_crc
from firmware_protocols.dex.errors import DexError, DexWarning
from firmware_protocols.dex.lexer import Segment
from firmware_protocols.dex.model import (
    AuditData,
    AuditTime,
    Currency,
    DxeTrailer,
    DxsHeader,
    EventCount,
    EventRecord,
    MachineId,
    OperatorEvent,
    Product,
    Readout,
    SalesTotals,
)
from firmware_protocols.dex.reader import MAX_BYTES, DexAudit, read_dex
from firmware_protocols.dex.writer import write_dex

__all__ = [
    "MAX_BYTES",
    "AuditData",
    "AuditTime",
    "CountCheck",
    "CrcCheck",
    "Currency",
    "DexAudit",
    "DexError",
    "DexWarning",
    "DxeTrailer",
    "DxsHeader",
    "EventCount",
    "EventRecord",
    "MachineId",
    "OperatorEvent",
    "Product",
    "Readout",
    "SalesTotals",
    "Segment",
    "crc16_arc",
    "format_crc",
    "read_dex",
    "write_dex",
]
