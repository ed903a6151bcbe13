"""The secrets file: private, atomic, merged without losing entries."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from hub.errors import RegistryError
from hub.registry import secrets_file


def test_staged_file_is_private_and_published_atomically(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "secrets.json"
    document = {"devices": {"door-0001": secrets_file.device_entry("door-0001", "pw")}}
    staged = secrets_file.stage(target, document)
    assert not target.exists()
    assert stat.S_IMODE(staged.stat().st_mode) == 0o600
    secrets_file.publish(staged, target)
    assert not staged.exists()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text()) == document


def test_layout_is_one_line_per_entry_and_valid_json(tmp_path: Path) -> None:
    document = {
        "devices": {
            f"locker-000{n}": secrets_file.device_entry(f"locker-000{n}", "p") for n in (1, 2)
        },
        "hub": {"username": "hub", "password": "h"},
        "residents": [{"resident_id": 1, "pin": "1234"}, {"resident_id": 2, "pin": "5678"}],
        "empty": [],
    }
    target = tmp_path / "s.json"
    secrets_file.publish(secrets_file.stage(target, document), target)
    text = target.read_text()
    assert json.loads(text) == document
    assert (
        '  "locker-0001": {"username": "locker-0001", "password": "p", "client_id": "locker-0001"},'
        in text.splitlines()
    )


def test_discard_removes_the_staged_file(tmp_path: Path) -> None:
    staged = secrets_file.stage(tmp_path / "s.json", {"devices": {}})
    secrets_file.discard(staged)
    assert list(tmp_path.iterdir()) == []


def test_load_and_merge_keep_what_was_there(tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    assert secrets_file.load(target) == {"devices": {}}
    original = {"devices": {"a": secrets_file.device_entry("a", "1")}, "hub": {"password": "h"}}
    target.write_text(json.dumps(original))
    merged = secrets_file.with_devices(secrets_file.load(target), {"b": "2"})
    assert merged["hub"] == {"password": "h"}
    assert merged["devices"] == {
        "a": secrets_file.device_entry("a", "1"),
        "b": secrets_file.device_entry("b", "2"),
    }
    assert json.loads(target.read_text()) == original


@pytest.mark.parametrize("content", ["{not json", "[]", '{"devices": []}'])
def test_unreadable_documents_are_registry_errors(tmp_path: Path, content: str) -> None:
    target = tmp_path / "s.json"
    target.write_text(content)
    with pytest.raises(RegistryError, match=str(target)):
        secrets_file.load(target)
