"""An ingest worker process: ``python -m hub.worker --fd N``, started by the front.

The front hands it one end of a socket pair (file descriptor ``N``); the first signal on
it says what to build (:class:`~hub.ipc.signals.WorkerSetup`). The worker runs until the
front says stop or the socket closes (the front is gone): its MQTT session keeps what it
has not acknowledged for the next one.

Workers run at a lower CPU priority than the front (nice 5): ingest is throughput work,
the front's command lane and API are latency work, and on a saturated machine the
scheduler should serve the resident's unlock first. A worker ignores SIGINT: Ctrl-C in a
terminal reaches the whole process group, and the front, which stops its workers in
order, is the one to act on it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys

from hub.ipc.channel import ChannelClosed, StreamChannel
from hub.ipc.signals import FrontSignal, WorkerHello, WorkerSetup, WorkerSignal
from hub.long_lived import freeze_startup_objects
from hub.worker.front_link import FrontLink
from hub.worker.partition import Partition
from hub.worker.runtime import build_worker
from hub.worker.service import run_worker

log = logging.getLogger("hub.worker")
NICENESS = 5


async def serve(fd: int) -> int:
    sock = socket.socket(fileno=fd)
    channel: StreamChannel[WorkerSignal, FrontSignal] = await StreamChannel.over(sock)
    try:
        setup = await channel.receive()
    except ChannelClosed:
        return 1
    if not isinstance(setup, WorkerSetup):
        log.error("expected the worker's setup first, got %r", type(setup).__name__)
        return 2
    logging.getLogger().setLevel(setup.settings.log_level)
    partition = Partition(setup.index, setup.count)
    worker = build_worker(
        setup.settings,
        setup.broker_url,
        partition,
        FrontLink(channel),
        use_shared_subscriptions=setup.shared_subscriptions,
    )
    await channel.send(WorkerHello(setup.index, os.getpid()))
    log.info(
        "ingest worker %s (pid %d): %d devices",
        partition.label(),
        os.getpid(),
        len(worker.owned_devices()),
    )
    freeze_startup_objects()
    try:
        await run_worker(worker)
    finally:
        channel.close()
        worker.engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.worker")
    parser.add_argument("--fd", type=int, required=True, help="the front's socket")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return asyncio.run(serve(args.fd))


if __name__ == "__main__":
    sys.exit(main())
