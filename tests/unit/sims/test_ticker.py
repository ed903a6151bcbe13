"""The simulators' keepalive ticker gives the event loop a turn between slices of links,
so that a device's command is not held up by 2000 keepalives serviced in one go."""

from __future__ import annotations

import asyncio
from typing import cast

from device_sims.link import TICK_SLICE, MqttLink, Ticker


class CountingLink:
    """Stands for a link: counts its keepalive services (the ticker calls ``service``)."""

    def __init__(self, log: list[str]) -> None:
        self._log = log

    def service(self) -> None:
        self._log.append("link")


async def _pass_with_a_command_waiting(links: int) -> list[str]:
    log: list[str] = []
    ticker = Ticker()
    for _ in range(links):
        ticker.add(cast(MqttLink, CountingLink(log)))
    await ticker.close()  # the periodic task: the pass below is driven by hand

    async def command_arrives() -> None:
        log.append("command")

    command = asyncio.get_running_loop().create_task(command_arrives())
    await ticker.service_all()
    await command
    return log


def test_a_command_is_served_after_the_first_slice_not_after_every_link() -> None:
    links = TICK_SLICE * 20
    log = asyncio.run(_pass_with_a_command_waiting(links))
    assert log.count("link") == links  # every link was serviced once
    assert log.index("command") == TICK_SLICE  # the loop had its turn after one slice


def test_links_closed_during_the_pass_are_not_serviced_after() -> None:
    async def scenario() -> list[str]:
        log: list[str] = []
        ticker = Ticker()
        links = [CountingLink(log) for _ in range(TICK_SLICE * 3)]
        for link in links:
            ticker.add(cast(MqttLink, link))
        await ticker.close()

        async def fleet_stops() -> None:
            for link in links:
                ticker.discard(cast(MqttLink, link))
            log.append("stopped")

        stopping = asyncio.get_running_loop().create_task(fleet_stops())
        await ticker.service_all()
        await stopping
        return log

    log = asyncio.run(scenario())
    assert log.index("stopped") == TICK_SLICE
    assert log.count("link") == TICK_SLICE  # none after the links were closed
