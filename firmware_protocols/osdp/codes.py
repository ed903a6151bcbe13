"""OSDP numbers used on the wire: command and reply codes, NAK errors, control codes, colours.

Values follow SIA OSDP 2.2 (IEC 60839-11-5); only the subset door units here use.
"""

from __future__ import annotations

from enum import IntEnum

SOM = 0x53  # start of message
MARK = 0xFF  # optional byte some transmitters send before SOM
REPLY_BIT = 0x80  # address bit 7: set on frames from the PD
BROADCAST = 0x7F  # the address every PD accepts

CTRL_SEQUENCE = 0x03
CTRL_CRC = 0x04
CTRL_SECURITY = 0x08


class CommandCode(IntEnum):
    POLL = 0x60
    ID = 0x61
    CAP = 0x62
    LSTAT = 0x64
    ISTAT = 0x65
    OUT = 0x68
    LED = 0x69
    BUZ = 0x6A
    FILETRANSFER = 0x7C
    MFG = 0x80


class ReplyCode(IntEnum):
    ACK = 0x40
    NAK = 0x41
    PDID = 0x45
    PDCAP = 0x46
    LSTATR = 0x48
    ISTATR = 0x49
    RAW = 0x50
    KEYPAD = 0x53
    FTSTAT = 0x7A
    MFGREP = 0x90


class NakError(IntEnum):
    """osdp_NAK error codes; ``reason_for`` turns them into hub reason strings."""

    NO_ERROR = 0x00
    BAD_CHECK = 0x01  # message check character(s) wrong
    BAD_LENGTH = 0x02  # command length error
    UNKNOWN_COMMAND = 0x03
    BAD_SEQUENCE = 0x04
    UNSUPPORTED_SECURITY_BLOCK = 0x05
    ENCRYPTION_REQUIRED = 0x06
    BIO_TYPE_UNSUPPORTED = 0x07
    BIO_FORMAT_UNSUPPORTED = 0x08
    UNABLE_TO_PROCESS = 0x09


def nak_reason(error: int) -> str:
    """A short stable reason string for a NAK error code, e.g. ``nak_unknown_command``."""
    try:
        return f"nak_{NakError(error).name.lower()}"
    except ValueError:
        return f"nak_0x{error:02x}"


class OutputControl(IntEnum):
    """osdp_OUT control codes."""

    NOP = 0
    PERMANENT_OFF_ABORT_TIMED = 1
    PERMANENT_ON_ABORT_TIMED = 2
    PERMANENT_OFF_ALLOW_TIMED = 3
    PERMANENT_ON_ALLOW_TIMED = 4
    TEMPORARY_ON = 5  # on for the timer, then back to the permanent state
    TEMPORARY_OFF = 6


class LedTemporaryControl(IntEnum):
    NOP = 0
    CANCEL = 1  # cancel any temporary state, show the permanent state
    SET = 2  # set the temporary state and start its timer


class LedPermanentControl(IntEnum):
    NOP = 0
    SET = 1


class LedColor(IntEnum):
    OFF = 0  # "black"
    RED = 1
    GREEN = 2
    AMBER = 3
    BLUE = 4
    MAGENTA = 5
    CYAN = 6
    WHITE = 7


class Tone(IntEnum):
    """osdp_BUZ tone codes."""

    NONE = 0
    OFF = 1
    DEFAULT = 2


class RawFormat(IntEnum):
    """osdp_RAW format codes."""

    UNSPECIFIED = 0  # raw bits, format not specified
    WIEGAND = 1  # raw bits as received from a Wiegand reader
