"""A worker whose front is gone stops quietly: nothing to report to, nothing lost."""

from __future__ import annotations

from tests.support.contract_hub import ContractHub


async def test_a_worker_stops_cleanly_when_its_front_closes_the_channel_under_a_report(
    hub: ContractHub,
) -> None:
    worker = hub.tasks[0]
    # The worker's own end closed: its next report to the front fails, as when the front
    # process exits while the worker is sending (Ctrl-C on hub serve or hub demo).
    hub.worker_channel.close()
    await hub.wait(worker.done, "the worker stopped")  # raises if it stopped by failing
    assert worker.exception() is None
