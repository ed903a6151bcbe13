"""Start-up objects are frozen out of the collector's walks; later ones are not."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hub.long_lived import freeze_startup_objects


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
