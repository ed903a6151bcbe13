"""A worker's command request to a front that has gone is a HubError the domain logs as
"not sent", not a failure with a traceback: the front may exit (Ctrl-C, SIGTERM) while a
domain task is sending, before the worker's link has noticed the channel closed."""

from __future__ import annotations

import asyncio
import logging

import pytest

from hub.domain.issuing import issue_logged
from hub.errors import HubError
from hub.ipc.channel import QueueChannel, memory_pair
from hub.ipc.signals import FrontSignal, WorkerSignal
from hub.worker.front_link import FrontGone, FrontLink


async def _link_whose_channel_closed() -> FrontLink:
    pair: tuple[QueueChannel[FrontSignal, WorkerSignal], QueueChannel[WorkerSignal, FrontSignal]]
    pair = memory_pair()
    _front_end, worker_end = pair
    link = FrontLink(worker_end)
    worker_end.close()  # as when the front's end of the socket is gone mid-send
    assert not link.closed  # run() has not seen it yet
    return link


def test_a_request_to_a_gone_front_raises_front_gone() -> None:
    async def scenario() -> None:
        link = await _link_whose_channel_closed()
        with pytest.raises(FrontGone, match="front process is gone"):
            await link.issue("door-0001", "grant_access", {}, issued_by="domain")

    asyncio.run(scenario())
    assert issubclass(FrontGone, HubError)


def test_the_domain_logs_it_as_not_sent(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> object:
        link = await _link_whose_channel_closed()
        return await issue_logged(link, "door-0001", "grant_access", {}, issued_by="domain")

    with caplog.at_level(logging.WARNING, logger="hub.domain.issuing"):
        assert asyncio.run(scenario()) is None
    assert "grant_access for door-0001 not sent: the front process is gone" in caplog.text
