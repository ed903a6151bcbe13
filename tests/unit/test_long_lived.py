"""Start-up objects are frozen out of the collector's walks; later ones are not; a block
can keep collections out of a stretch that holds a lock."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hub.long_lived import freeze_startup_objects, no_collection_within


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_startup_objects_frozen_and_later_ones_collected(unfrozen: None) -> None:
    startup = [[] for _ in range(1000)]  # tracked containers, alive at the freeze
    frozen = freeze_startup_objects()
    assert frozen >= len(startup)
    assert gc.get_freeze_count() == frozen

    later = [[] for _ in range(1000)]
    later.append(later)  # a cycle only the collector can free
    del later
    assert gc.collect() >= 1001
    assert gc.get_freeze_count() == frozen  # nothing made later joined the frozen ones


def test_no_collection_within_a_block_and_collection_back_after() -> None:
    assert gc.isenabled()
    with no_collection_within():
        assert not gc.isenabled()
        before = gc.get_count()[0]
        garbage = [[] for _ in range(gc.get_threshold()[0] * 3)]  # past the gen-0 threshold
        assert gc.get_count()[0] > before  # allocations counted, none collected
        del garbage
    assert gc.isenabled()


def test_collection_left_off_if_it_was_off_before() -> None:
    gc.disable()
    try:
        with no_collection_within():
            assert not gc.isenabled()
        assert not gc.isenabled()  # another block (or the caller) turned it off: theirs
    finally:
        gc.enable()
