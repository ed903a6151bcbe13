"""Firmware updates in the simulated devices, done the way the protocols prescribe.

A device told to update downloads the image (over HTTP with ``Range`` resumption, or,
for door units, from the OSDP file transfer), checks its size and SHA-256, reports each
step, reboots and comes back with the new version; if anything fails it keeps its old
version and says why. :class:`FirmwareAgent` runs one update at a time for one device;
the device kind supplies how a step is reported and answered (:class:`UpdateHooks`).

Fault profiles, per update (drawn from the device's own generator, or set on the agent):

- ``bad_checksum``: the image is corrupted on its way to flash: the check fails;
- ``cut_download``: the download breaks halfway and is resumed from where it stopped;
- ``never_returns``: the device goes down to reboot and never comes back;
- ``misbehaves``: the new version boots but raises tamper or faults and drops its
  connection now and then.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

import httpx

from firmware_protocols.firmware import FirmwareOrder, FirmwareState

log = logging.getLogger(__name__)

FirmwareFault = Literal["none", "bad_checksum", "cut_download", "never_returns", "misbehaves"]
FIRMWARE_FAULTS: tuple[FirmwareFault, ...] = (
    "none",
    "bad_checksum",
    "cut_download",
    "never_returns",
    "misbehaves",
)
MAX_ATTEMPTS = 5
FINAL_HTTP = frozenset({401, 403, 404, 410})
PROGRESS_STEP_PCT = 25
MISBEHAVE_EVERY_S = (60.0, 180.0)  # simulated seconds between misbehaviours
REBOOT_REASON = "firmware_update"  # the offline reason of a reboot into a new image


class DownloadFailed(Exception):
    pass


@dataclass(slots=True)
class DownloadLog:
    """What one download did: attempts made and the offsets later attempts resumed from."""

    attempts: int = 0
    resumed_from: list[int] = field(default_factory=list)


async def download(
    url: str,
    size: int,
    *,
    cut_at: int | None = None,
    on_progress: Callable[[int], None] = lambda _received: None,
    log_to: DownloadLog | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> bytes:
    """GET ``url``, resuming with ``Range`` after a broken connection; ``cut_at`` breaks
    the first attempt after that many bytes. DownloadFailed when it cannot finish."""
    received = bytearray()
    record = log_to if log_to is not None else DownloadLog()
    failures = 0
    async with httpx.AsyncClient(timeout=30.0, transport=transport) as client:
        while len(received) < size:
            record.attempts += 1
            headers = {}
            if received:
                headers["Range"] = f"bytes={len(received)}-"
                record.resumed_from.append(len(received))
            before = len(received)
            try:
                async with client.stream("GET", url, headers=headers) as response:
                    if response.status_code in FINAL_HTTP:
                        raise DownloadFailed(f"HTTP {response.status_code}")
                    if response.status_code not in (200, 206):
                        raise httpx.HTTPError(f"HTTP {response.status_code}")
                    if response.status_code == 200 and received:
                        received.clear()  # the server ignored the range: start over
                    async for chunk in response.aiter_bytes():
                        received.extend(chunk)
                        on_progress(len(received))
                        if cut_at is not None and len(received) >= cut_at:
                            del received[cut_at:]
                            cut_at = None
                            raise httpx.ReadError("connection cut (fault profile)")
                        if len(received) > size:
                            break  # more than announced: the check will refuse it
            except httpx.HTTPError as exc:
                log.debug("download of %s broke: %s", url, exc)
            if len(received) >= size:
                break
            failures = 0 if len(received) > before else failures + 1
            if failures >= MAX_ATTEMPTS:
                raise DownloadFailed(f"no progress after {MAX_ATTEMPTS} attempts")
            await asyncio.sleep(0.05 * failures)
    return bytes(received)


def check_image(data: bytes, order: FirmwareOrder) -> str | None:
    """None if ``data`` is the ordered image, else the reason to report."""
    if len(data) != order.size:
        return "size_mismatch"
    if hashlib.sha256(data).hexdigest() != order.sha256:
        return "checksum_mismatch"
    return None


def corrupt(data: bytes) -> bytes:
    """The image as a faulty flash write leaves it: one byte flipped."""
    if not data:
        return data
    spoiled = bytearray(data)
    spoiled[len(spoiled) // 2] ^= 0xFF
    return bytes(spoiled)


class UpdateHooks(Protocol):
    """What a device kind does at each step of an update."""

    firmware_version: str

    def report_firmware(
        self,
        job: UpdateJob,
        state: FirmwareState,
        *,
        progress_pct: int | None = None,
        reason: str | None = None,
    ) -> None: ...

    def answer_firmware(self, job: UpdateJob, status: str, reason: str | None) -> None: ...

    async def restart(self, reason: str, *, boot: Callable[[], None] | None = None) -> None:
        """A planned reboot: say goodbye (offline status), stay down a while, run ``boot``
        (the new image starting) and come back online."""
        ...

    async def stop(self, reason: str) -> None:
        """A planned shutdown: say goodbye (offline status) and stay down."""
        ...

    async def misbehave(self) -> None:
        """One misbehaviour of a bad version (a tamper or fault, a dropped link)."""
        ...


@dataclass(slots=True)
class UpdateJob:
    command_id: str
    order: FirmwareOrder
    fault: FirmwareFault
    download: DownloadLog = field(default_factory=DownloadLog)
    result: str | None = None  # "done" or the failure reason
    started_s: float = field(default_factory=time.monotonic)
    ended_s: float | None = None  # when it was done or failed (monotonic seconds)


@dataclass(slots=True)
class FirmwareAgent:
    """One device's update state: what runs now, what ran, and the faults to apply."""

    hooks: UpdateHooks
    rng: random.Random
    ratios: dict[FirmwareFault, float] = field(default_factory=dict)
    fault: FirmwareFault | None = None  # fixed for every update when set (tests)
    current: UpdateJob | None = None
    history: list[UpdateJob] = field(default_factory=list)
    misbehaving: bool = False

    @property
    def busy(self) -> bool:
        return self.current is not None

    def next_fault(self) -> FirmwareFault:
        if self.fault is not None:
            return self.fault
        roll = self.rng.random()
        for name, ratio in self.ratios.items():
            if roll < ratio:
                return name
            roll -= ratio
        return "none"

    def start(self, command_id: str, order: FirmwareOrder) -> UpdateJob:
        job = UpdateJob(command_id, order, self.next_fault())
        self.current = job
        self.history.append(job)
        return job

    async def run_http(self, job: UpdateJob, sleep: Callable[[float], Awaitable[None]]) -> None:
        """Download over HTTP, then :meth:`finish`."""
        hooks, order = self.hooks, job.order
        assert order.url is not None
        hooks.report_firmware(job, "downloading", progress_pct=0)
        reported = [0]

        def progress(received: int) -> None:
            pct = min(100, received * 100 // max(1, order.size))
            if pct >= reported[0] + PROGRESS_STEP_PCT:
                reported[0] = pct - pct % PROGRESS_STEP_PCT
                hooks.report_firmware(job, "downloading", progress_pct=reported[0])

        cut_at = order.size // 2 if job.fault == "cut_download" else None
        try:
            data = await download(
                order.url, order.size, cut_at=cut_at, on_progress=progress, log_to=job.download
            )
        except DownloadFailed:
            self.fail(job, "download_failed")
            return
        await self.finish(job, data, sleep)

    async def finish(
        self, job: UpdateJob, data: bytes, sleep: Callable[[float], Awaitable[None]]
    ) -> None:
        """Verify, install and reboot (or fail and keep the old version)."""
        hooks = self.hooks
        if job.fault == "bad_checksum":
            data = corrupt(data)
        hooks.report_firmware(job, "verifying")
        problem = check_image(data, job.order)
        if problem is not None:
            self.fail(job, problem)
            return
        hooks.report_firmware(job, "installing")
        await sleep(2.0)
        # ``rebooting`` first, then the offline status the goodbye publishes.
        hooks.report_firmware(job, "rebooting")
        if job.fault == "never_returns":
            job.result, job.ended_s = "never_returned", time.monotonic()
            await hooks.stop(REBOOT_REASON)
            return

        def boot() -> None:
            hooks.firmware_version = job.order.version

        await hooks.restart(REBOOT_REASON, boot=boot)
        hooks.report_firmware(job, "done")
        hooks.answer_firmware(job, "confirmed", None)
        job.result, job.ended_s = "done", time.monotonic()
        self.current = None
        self.misbehaving = job.fault == "misbehaves"

    def fail(self, job: UpdateJob, reason: str) -> None:
        self.hooks.report_firmware(job, "failed", reason=reason)
        self.hooks.answer_firmware(job, "failed", reason)
        job.result, job.ended_s = reason, time.monotonic()
        self.current = None

    async def misbehave_loop(self, sleep: Callable[[float], Awaitable[None]]) -> None:
        """While the running version is a bad one, misbehave every few minutes."""
        while True:
            await sleep(self.rng.uniform(*MISBEHAVE_EVERY_S))
            if self.misbehaving:
                await self.hooks.misbehave()
