"""The JSON file that receives generated secrets (device MQTT passwords, the hub's own
account, residents' demo credentials). Never printed or logged.

The file is written beside its final name with mode 0600 and renamed into place, so a
reader never sees half a file and a failed seed leaves the previous file intact. Layout::

    {"devices": {"<id>": {"username": "<id>", "password": "...", "client_id": "<id>"}},
     "hub": {"username": "hub", "password": "..."},
     "residents": [{"resident_id": 1, "building": "c0001-b01", "unit": "1201",
                    "card": {"format": "H10301", "facility": 12, "number": 4242},
                    "pin": "2468"}]}
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hub.errors import RegistryError

DEFAULT_SECRETS_PATH = Path("demo-secrets.json")


def device_entry(device_id: str, password: str) -> dict[str, str]:
    return {"username": device_id, "password": password, "client_id": device_id}


def stage(path: Path, document: Mapping[str, Any]) -> Path:
    """Write ``document`` to a new 0600 file beside ``path``; return that file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    staged = Path(name)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # One line per device or resident, written by the C encoder (indent is slow).
            handle.write(_dumps(document))
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def _dumps(document: Mapping[str, Any]) -> str:
    lines = ["{"]
    sections = list(document.items())
    for index, (key, value) in enumerate(sections):
        comma = "," if index < len(sections) - 1 else ""
        if isinstance(value, dict) and value:
            items = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()]
            lines += [f" {json.dumps(key)}: {{", ",\n".join(items), f" }}{comma}"]
        elif isinstance(value, list) and value:
            items = [f"  {json.dumps(v)}" for v in value]
            lines += [f" {json.dumps(key)}: [", ",\n".join(items), f" ]{comma}"]
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def publish(staged: Path, path: Path) -> None:
    """Move a staged file to its final name (atomic on one file system)."""
    os.replace(staged, path)


def discard(staged: Path) -> None:
    staged.unlink(missing_ok=True)


def load(path: Path) -> dict[str, Any]:
    """The secrets document at ``path``, or an empty one if there is no file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {"devices": {}}
    except OSError as exc:
        raise RegistryError(f"cannot read secrets file {path}: {exc.strerror}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryError(f"secrets file {path} is not JSON (line {exc.lineno})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("devices", {}), dict):
        raise RegistryError(f"secrets file {path} has no 'devices' object")
    document.setdefault("devices", {})
    return document


def with_devices(document: Mapping[str, Any], passwords: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``document`` with entries for ``passwords`` (device id -> password) added."""
    merged = dict(document)
    devices = dict(merged.get("devices", {}))
    devices.update({device_id: device_entry(device_id, pw) for device_id, pw in passwords.items()})
    merged["devices"] = devices
    return merged
