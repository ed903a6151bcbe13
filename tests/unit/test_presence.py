"""Presence state machine: explicit messages, traffic, heartbeat sweep, counts."""

from __future__ import annotations

from hub.presence import PresenceTracker

TIMEOUT_MS = PresenceTracker.timeout_for(30)


def make_tracker() -> PresenceTracker:
    tracker = PresenceTracker(TIMEOUT_MS)
    tracker.register("door-1", "door")
    tracker.register("door-2", "door")
    tracker.register("locker-1", "locker")
    return tracker


def test_timeout_is_one_and_a_half_keepalive_plus_a_second() -> None:
    assert TIMEOUT_MS == 46_000


def test_status_online_then_will_offline_records_two_transitions() -> None:
    tracker = make_tracker()
    up = tracker.observe("door-1", True, "status", 1_000)
    assert up is not None and up.online and up.reason == "status"
    assert tracker.observe("door-1", True, "status", 2_000) is None  # no change, no transition
    down = tracker.observe("door-1", False, "lwt", 3_000)
    assert down is not None and not down.online and down.reason == "lwt"
    assert tracker.counts()["door"] == (0, 2)


def test_silent_device_goes_offline_only_after_timeout() -> None:
    tracker = make_tracker()
    tracker.observe("door-1", True, "status", 0)
    tracker.observe("door-2", True, "status", 0)
    tracker.seen("door-2", 40_000)
    assert tracker.sweep(TIMEOUT_MS) == []
    swept = tracker.sweep(TIMEOUT_MS + 1)
    assert [(t.device_id, t.reason) for t in swept] == [("door-1", "heartbeat_timeout")]
    assert tracker.counts()["door"] == (1, 2)


def test_traffic_from_an_offline_device_brings_it_back() -> None:
    tracker = make_tracker()
    tracker.observe("locker-1", True, "status", 20)
    tracker.observe("locker-1", False, "lwt", 30)
    back = tracker.seen("locker-1", 40)
    assert back is not None and back.online and back.reason == "traffic"


def test_unknown_devices_are_ignored() -> None:
    tracker = make_tracker()
    assert tracker.observe("nobody", True, "status", 0) is None
    assert tracker.seen("nobody", 0) is None
    assert tracker.counts()["vending"] == (0, 0)


def test_a_forgotten_device_leaves_the_counts() -> None:
    tracker = make_tracker()
    tracker.observe("door-1", True, "status", 1_000)
    tracker.observe("door-2", True, "status", 1_000)
    tracker.observe("door-2", False, "lwt", 2_000)
    tracker.forget("door-1")  # online when removed
    tracker.forget("door-2")  # offline when removed
    tracker.forget("door-9")  # never known: nothing to do
    assert tracker.counts()["door"] == (0, 0)
    assert tracker.get("door-1") is None
    assert tracker.seen("door-1", 3_000) is None  # its late traffic does not bring it back
    assert tracker.sweep(10**9) == []


def test_a_mirror_takes_a_new_device_online_but_not_the_goodbye_of_a_forgotten_one() -> None:
    worker, front = make_tracker(), make_tracker()
    worker.register("door-3", "door")
    came = worker.observe("door-3", True, "status", 1_000)
    assert came is not None and front.apply(came)  # registered by its worker first
    assert front.counts()["door"] == (1, 3)
    front.forget("door-3")  # the front applied the registry's removal first...
    went = worker.observe("door-3", False, "removed", 2_000)
    assert went is not None and not front.apply(went)  # ...then the worker's goodbye came
    assert front.get("door-3") is None
    assert front.counts()["door"] == (0, 2)
