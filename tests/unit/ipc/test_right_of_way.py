"""The command lane's right of way: the front's count of unlocks in flight, seen by a
worker process through the memory file the front passes it."""

from __future__ import annotations

import subprocess
import sys

from hub.ipc.right_of_way import RightOfWay

READ_IN_ANOTHER_PROCESS = (
    "import sys; from hub.ipc.right_of_way import RightOfWay; "
    "print(RightOfWay.attach(int(sys.argv[1])).in_flight)"
)


def in_flight_seen_by_a_worker(front: RightOfWay) -> int:
    done = subprocess.run(
        [sys.executable, "-c", READ_IN_ANOTHER_PROCESS, str(front.fd)],
        pass_fds=(front.fd,),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_another_process_sees_the_unlocks_in_flight() -> None:
    front = RightOfWay.create()
    assert in_flight_seen_by_a_worker(front) == 0
    with front.claimed(), front.claimed():
        assert in_flight_seen_by_a_worker(front) == 2
    assert in_flight_seen_by_a_worker(front) == 0


def test_a_claim_ends_even_when_its_unlock_fails() -> None:
    front = RightOfWay.create()
    try:
        with front.claimed():
            raise RuntimeError("the unlock failed")
    except RuntimeError:
        pass
    assert front.in_flight == 0


async def test_ingest_does_not_wait_when_no_unlock_is_in_flight() -> None:
    assert await RightOfWay.create(hold_max_s=3600.0).give_way() == 0.0


async def test_ingest_waits_no_longer_than_the_hold() -> None:
    front = RightOfWay.create(hold_max_s=0.01)
    with front.claimed():
        assert await front.give_way() >= 0.01  # and then goes on: ingest never starves
