"""The simulators' firmware download and checks (pure parts): Range resumption after a cut,
final HTTP errors, size and SHA-256 checks, corruption, and fault draws."""

from __future__ import annotations

import hashlib
import random

import httpx
import pytest

from device_sims.faults import profile
from device_sims.firmware import (
    DownloadFailed,
    DownloadLog,
    FirmwareAgent,
    check_image,
    corrupt,
    download,
)
from firmware_protocols.firmware import FirmwareOrder

IMAGE = random.Random(1).randbytes(10_000)
ORDER = FirmwareOrder("2.0.0", len(IMAGE), hashlib.sha256(IMAGE).hexdigest(), "http://hub/fw")


def ranged(requests: list[str | None]) -> httpx.MockTransport:
    """A server that honours ``Range: bytes=N-`` the way the hub's download route does."""

    def handle(request: httpx.Request) -> httpx.Response:
        header = request.headers.get("range")
        requests.append(header)
        if header is None:
            return httpx.Response(200, content=IMAGE)
        start = int(header.removeprefix("bytes=").rstrip("-"))
        return httpx.Response(206, content=IMAGE[start:])

    return httpx.MockTransport(handle)


async def test_a_cut_download_resumes_with_range() -> None:
    requests: list[str | None] = []
    record = DownloadLog()
    progress: list[int] = []
    data = await download(
        ORDER.url or "",
        ORDER.size,
        cut_at=5_000,
        on_progress=progress.append,
        log_to=record,
        transport=ranged(requests),
    )
    assert data == IMAGE
    assert requests == [None, "bytes=5000-"]
    assert record.attempts == 2 and record.resumed_from == [5_000]
    assert progress[-1] == len(IMAGE)


async def test_final_http_errors_end_the_download() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(410))
    with pytest.raises(DownloadFailed):
        await download("http://hub/fw", 10, transport=transport)


async def test_no_progress_gives_up_after_five_attempts() -> None:
    record = DownloadLog()
    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    with pytest.raises(DownloadFailed):
        await download("http://hub/fw", 10, transport=transport, log_to=record)
    assert record.attempts == 5


def test_checks_and_corruption() -> None:
    assert check_image(IMAGE, ORDER) is None
    assert check_image(IMAGE[:-1], ORDER) == "size_mismatch"
    assert check_image(corrupt(IMAGE), ORDER) == "checksum_mismatch"
    assert len(corrupt(IMAGE)) == len(IMAGE)


def test_fault_draws_follow_the_profile_and_can_be_fixed() -> None:
    ratios = profile("firmware").firmware_ratios()
    agent = FirmwareAgent(hooks=None, rng=random.Random(3), ratios=ratios)  # type: ignore[arg-type]
    draws = [agent.next_fault() for _ in range(2000)]
    share = {name: draws.count(name) / len(draws) for name in set(draws)}
    assert abs(share["cut_download"] - 0.2) < 0.04 and abs(share["none"] - 0.5) < 0.05
    agent.fault = "never_returns"
    assert agent.next_fault() == "never_returns"
    assert FirmwareAgent(hooks=None, rng=random.Random(3)).next_fault() == "none"  # type: ignore[arg-type]
