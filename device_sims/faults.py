"""Fault injection: named profiles and a seeded injector per device.

Rates are per simulated hour or per message, so ``--speed`` scales faults with the day.
Every random choice a device makes goes through its own :class:`random.Random`, derived
from the run's seed and the device id (:func:`device_rng`), so a run is reproducible and
one device's faults do not depend on how the others were scheduled.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from device_sims.firmware import FirmwareFault

ProfileName = Literal["none", "light", "chaos", "firmware"]
PROFILE_NAMES: tuple[ProfileName, ...] = ("none", "light", "chaos", "firmware")


@dataclass(frozen=True, slots=True)
class FaultProfile:
    """Probabilities of each fault. ``*_per_hour`` are Poisson rates in simulated hours;
    the others are chances per message, command or door cycle. Every default is zero."""

    name: str
    disconnect_per_hour: float = 0.0
    malformed_ratio: float = 0.0
    duplicate_ratio: float = 0.0
    max_skew_ms: int = 0
    slow_reply_ratio: float = 0.0
    slow_reply_s: float = 0.0
    missing_reply_ratio: float = 0.0
    hang_per_hour: float = 0.0
    compressor_failure_per_hour: float = 0.0
    tamper_per_hour: float = 0.0
    forced_door_per_hour: float = 0.0
    door_left_open_ratio: float = 0.0  # a compartment door someone forgets to shut
    held_open_ratio: float = 0.0  # a building door propped open after a grant
    unused_grant_ratio: float = 0.0  # a door released but nobody walks through
    # firmware updates, per update (device_sims.firmware)
    firmware_bad_checksum_ratio: float = 0.0
    firmware_cut_download_ratio: float = 0.0
    firmware_never_returns_ratio: float = 0.0
    firmware_misbehaves_ratio: float = 0.0

    def firmware_ratios(self) -> dict[FirmwareFault, float]:
        """The chance of each firmware fault on one update."""
        return {
            "bad_checksum": self.firmware_bad_checksum_ratio,
            "cut_download": self.firmware_cut_download_ratio,
            "never_returns": self.firmware_never_returns_ratio,
            "misbehaves": self.firmware_misbehaves_ratio,
        }


IDEAL = FaultProfile("ideal")
"""Nothing ever goes wrong: the default of the Python API, so scenarios are exact."""

PROFILES: dict[ProfileName, FaultProfile] = {
    # No faults, but people being people: doors left or held open, unused grants.
    "none": FaultProfile(
        "none", door_left_open_ratio=0.02, held_open_ratio=0.02, unused_grant_ratio=0.05
    ),
    "light": FaultProfile(
        "light",
        disconnect_per_hour=0.02,
        malformed_ratio=0.001,
        duplicate_ratio=0.005,
        max_skew_ms=2_000,
        slow_reply_ratio=0.02,
        slow_reply_s=3.0,
        missing_reply_ratio=0.002,
        hang_per_hour=0.001,
        compressor_failure_per_hour=0.0005,
        tamper_per_hour=0.001,
        forced_door_per_hour=0.002,
        door_left_open_ratio=0.03,
        held_open_ratio=0.03,
        unused_grant_ratio=0.05,
        firmware_bad_checksum_ratio=0.01,
        firmware_cut_download_ratio=0.05,
        firmware_never_returns_ratio=0.005,
    ),
    "chaos": FaultProfile(
        "chaos",
        disconnect_per_hour=0.5,
        malformed_ratio=0.03,
        duplicate_ratio=0.05,
        max_skew_ms=120_000,
        slow_reply_ratio=0.15,
        slow_reply_s=8.0,
        missing_reply_ratio=0.05,
        hang_per_hour=0.02,
        compressor_failure_per_hour=0.01,
        tamper_per_hour=0.02,
        forced_door_per_hour=0.05,
        door_left_open_ratio=0.1,
        held_open_ratio=0.1,
        unused_grant_ratio=0.1,
        firmware_bad_checksum_ratio=0.05,
        firmware_cut_download_ratio=0.2,
        firmware_never_returns_ratio=0.03,
        firmware_misbehaves_ratio=0.03,
    ),
    # Only firmware updates go wrong, often enough for a campaign to see it abort.
    "firmware": FaultProfile(
        "firmware",
        firmware_bad_checksum_ratio=0.1,
        firmware_cut_download_ratio=0.2,
        firmware_never_returns_ratio=0.1,
        firmware_misbehaves_ratio=0.1,
    ),
}


def profile(name: str) -> FaultProfile:
    try:
        return PROFILES[name]  # type: ignore[index]
    except KeyError:
        raise ValueError(f"unknown fault profile {name!r}; choose from {PROFILE_NAMES}") from None


def device_rng(seed: int, device_id: str) -> random.Random:
    """A generator for one device, independent of every other device's."""
    digest = hashlib.blake2b(f"{seed}:{device_id}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


ReplyPlan = Literal["now", "slow", "missing"]


@dataclass(slots=True)
class FaultInjector:
    """One device's faults. Per-message choices (malformed, duplicate, reply) and timed
    events (disconnects, hangs, failures) draw from separate generators, so the faults a
    given stream of messages gets do not depend on how long the run took."""

    profile: FaultProfile
    rng: random.Random
    timed_rng: random.Random
    malformed_sent: int = 0
    duplicates_sent: int = 0

    @classmethod
    def for_device(cls, profile: FaultProfile, seed: int, device_id: str) -> FaultInjector:
        return cls(
            profile,
            device_rng(seed, f"{device_id}/messages"),
            device_rng(seed, f"{device_id}/timed"),
        )

    def chance(self, probability: float) -> bool:
        return probability > 0 and self.rng.random() < probability

    def happens(self, per_hour: float, elapsed_sim_s: float) -> bool:
        """Whether a Poisson event of rate ``per_hour`` fell in ``elapsed_sim_s``."""
        if per_hour <= 0 or elapsed_sim_s <= 0:
            return False
        return self.timed_rng.random() < 1.0 - math.exp(-per_hour * elapsed_sim_s / 3600)

    def initial_skew_ms(self) -> int:
        limit = self.profile.max_skew_ms
        return self.timed_rng.randint(-limit, limit) if limit else 0

    def malform_now(self) -> bool:
        return self.chance(self.profile.malformed_ratio)

    def duplicate_now(self) -> bool:
        return self.chance(self.profile.duplicate_ratio)

    def reply_plan(self) -> ReplyPlan:
        roll = self.rng.random()
        if roll < self.profile.missing_reply_ratio:
            return "missing"
        if roll < self.profile.missing_reply_ratio + self.profile.slow_reply_ratio:
            return "slow"
        return "now"

    def corrupt(self, payload: bytes) -> bytes:
        """Bytes no honest decoder accepts: a truncated frame with a trailing byte that is
        invalid in JSON, in protobuf (field number 0) and in an OSDP frame (bad CRC)."""
        self.malformed_sent += 1
        keep = max(1, len(payload) // 2)
        return payload[:keep] + b"\x00\xff"
