"""What OSDP numbers mean on our door units, and the feedback the hub sends them.

Reader 0 is the door's reader, LED 0 its LED. Input 0 is the door contact (1 = open),
input 1 the request-to-exit button (1 = pressed). Output 0 is the door strike.
Times given in milliseconds are rounded up to OSDP's 100 ms units.
"""

from __future__ import annotations

from firmware_protocols.osdp.codes import (
    LedColor,
    LedPermanentControl,
    LedTemporaryControl,
    OutputControl,
    Tone,
)
from firmware_protocols.osdp.commands import (
    BuzzerCommand,
    CommandPayload,
    LedCommand,
    LedPermanent,
    LedRecord,
    LedTemporary,
    OutCommand,
    OutputRecord,
)
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.replies import InputStatusReply, LocalStatusReply

READER = 0
LED = 0
INPUT_DOOR = 0
INPUT_EXIT = 1
OUTPUT_STRIKE = 0
DEFAULT_PULSE_MS = 3000
DENIED_MS = 2000


def units(ms: int, limit: int, what: str) -> int:
    """Milliseconds as 100 ms units, rounded up; OsdpError beyond ``limit`` units."""
    value = -(-ms // 100)
    if ms < 0 or value > limit:
        raise OsdpError("bad_value", f"{what} {ms} ms outside 0-{limit * 100} ms")
    return value


def strike_pulse(pulse_ms: int) -> OutCommand:
    """osdp_OUT: output 0 temporarily on (control code 5) for ``pulse_ms``."""
    timer = units(pulse_ms, 0xFFFF, "pulse")
    if timer == 0:
        raise OsdpError("bad_value", "a strike pulse needs at least 1 ms")
    return OutCommand((OutputRecord(OUTPUT_STRIKE, OutputControl.TEMPORARY_ON, timer),))


def led_command(
    color: int,
    duration_ms: int | None = None,
    *,
    on_ms: int = 1000,
    off_ms: int = 0,
    off_color: int | None = None,
    reader: int = READER,
    led: int = LED,
) -> LedCommand:
    """osdp_LED: with ``duration_ms``, a temporary state for that long, then back to the
    permanent one; without it, the permanent state (cancelling any temporary one).

    With ``off_ms`` 0 the LED is steady ``color``; otherwise it flashes between ``color``
    and ``off_color`` (default off).
    """
    off = color if off_ms == 0 and off_color is None else (off_color or LedColor.OFF)
    on_time = units(on_ms, 0xFF, "LED on time")
    off_time = units(off_ms, 0xFF, "LED off time")
    if duration_ms is None:
        temporary = LedTemporary(control_code=LedTemporaryControl.CANCEL)
        permanent = LedPermanent(LedPermanentControl.SET, on_time, off_time, color, off)
    else:
        timer = units(duration_ms, 0xFFFF, "LED duration")
        temporary = LedTemporary(LedTemporaryControl.SET, on_time, off_time, color, off, timer)
        permanent = LedPermanent()
    return LedCommand((LedRecord(reader, led, temporary, permanent),))


def beep(
    *, on_ms: int = 100, off_ms: int = 100, count: int = 1, tone: int = Tone.DEFAULT
) -> BuzzerCommand:
    """osdp_BUZ on reader 0."""
    if not 0 <= count <= 0xFF:
        raise OsdpError("bad_value", f"buzzer count {count} outside 0-255")
    return BuzzerCommand(
        READER, tone, units(on_ms, 0xFF, "buzzer on time"), units(off_ms, 0xFF, "off time"), count
    )


def granted(pulse_ms: int = DEFAULT_PULSE_MS) -> tuple[CommandPayload, ...]:
    """Unlock: strike pulse, LED steady green for the pulse, one short beep."""
    return (
        strike_pulse(pulse_ms),
        led_command(LedColor.GREEN, pulse_ms),
        beep(on_ms=100, off_ms=0, count=1),
    )


def denied() -> tuple[CommandPayload, ...]:
    """Access denied: LED flashing red for 2 s, two short beeps, no strike."""
    return (
        led_command(LedColor.RED, DENIED_MS, on_ms=200, off_ms=200),
        beep(on_ms=100, off_ms=100, count=2),
    )


def inputs_reply(door_open: bool, exit_request: bool) -> InputStatusReply:
    """osdp_ISTATR for the door contact and request-to-exit button."""
    return InputStatusReply((int(door_open), int(exit_request)))


def door_inputs(reply: InputStatusReply) -> tuple[bool, bool]:
    """(door open, exit requested) from osdp_ISTATR; a missing input 1 reads as released."""
    if not reply.states:
        raise OsdpError("bad_length", "osdp_ISTATR without the door contact input")
    states = reply.states
    return states[INPUT_DOOR] != 0, len(states) > INPUT_EXIT and states[INPUT_EXIT] != 0


def local_status_reply(tamper: bool, power_ok: bool) -> LocalStatusReply:
    return LocalStatusReply(int(tamper), int(not power_ok))
