"""The per-device message sequence number."""

from __future__ import annotations

from dataclasses import dataclass

EPOCH_2024_S = 1_704_067_200


@dataclass(slots=True)
class SequenceCounter:
    """Hands out strictly increasing sequence numbers, one per message.

    Firmware keeps the counter in flash so it survives reboots; the simulator starts it
    from the boot time instead (see :func:`boot_sequence_us` and :func:`boot_sequence_u32`),
    so a restarted simulator does not reuse numbers the hub has already stored as long as
    the previous run sent fewer messages than the clock advanced.
    """

    next_value: int = 0
    issued: int = 0
    modulus: int | None = None

    def next(self) -> int:
        value = self.next_value
        self.next_value += 1
        if self.modulus is not None:
            self.next_value %= self.modulus
        self.issued += 1
        return value

    @property
    def last(self) -> int | None:
        if not self.issued:
            return None
        if self.modulus is None:
            return self.next_value - 1
        return (self.next_value - 1) % self.modulus


def boot_sequence_us(now_ms: int) -> int:
    """For 53-bit counters (JSON): microseconds since 1970, good for a million messages a
    second across restarts until the year 2255."""
    return now_ms * 1000


def boot_sequence_u32(now_ms: int) -> int:
    """For 32-bit counters: sixteenths of a second since 2024, good for 16 messages a
    second on average across restarts until 2032."""
    return max(0, (now_ms // 1000 - EPOCH_2024_S) * 16) % 2**32
