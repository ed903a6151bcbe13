"""Where the inputs come from and where the files go: the hub account and the output
directory. The only module of this package that touches the file system."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from hub.broker_security.build import BrokerConfig
from hub.broker_security.errors import BrokerConfigError
from hub.broker_security.texts import ACL_FILE, CONF_FILE, DEVICE_PASSWORD_FILE, HUB_PASSWORD_FILE
from hub.config import Settings

SECRET_MODE: Final = 0o600  # password files: hashes, but still not for every local user
PUBLIC_MODE: Final = 0o644


@dataclass(frozen=True, slots=True)
class HubCredentials:
    """The hub's broker username and password, as the hub itself will present them."""

    username: str
    password: str
    source: str  # where they were read from, for the report


def hub_credentials(secrets_path: Path | None, settings: Settings) -> HubCredentials:
    """The hub account from the secrets file (``{"hub": {"username", "password"}}``,
    written by ``hub seed``) if one is given, else from HUB_MQTT_USERNAME and
    HUB_MQTT_PASSWORD. Raises BrokerConfigError if neither provides one."""
    if secrets_path is not None:
        return _from_secrets(secrets_path)
    if settings.mqtt_username and settings.mqtt_password:
        return HubCredentials(settings.mqtt_username, settings.mqtt_password, "environment")
    raise BrokerConfigError(
        [
            "no hub account: pass --secrets FILE (as written by `hub seed`) or set "
            "HUB_MQTT_USERNAME and HUB_MQTT_PASSWORD"
        ]
    )


def _from_secrets(path: Path) -> HubCredentials:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BrokerConfigError([f"secrets file {path} does not exist"]) from None
    except OSError as exc:
        raise BrokerConfigError([f"cannot read secrets file {path}: {exc.strerror}"]) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BrokerConfigError([f"secrets file {path} is not JSON"]) from exc
    hub = document.get("hub") if isinstance(document, dict) else None
    username = hub.get("username") if isinstance(hub, dict) else None
    password = hub.get("password") if isinstance(hub, dict) else None
    if not isinstance(username, str) or not isinstance(password, str) or not password:
        raise BrokerConfigError([f"secrets file {path} has no hub username and password"])
    return HubCredentials(username, password, str(path))


def write_broker_config(config: BrokerConfig, out_dir: Path) -> tuple[Path, ...]:
    """Write the four files into ``out_dir`` (created if needed); return their paths.

    Each file is written beside its final name and renamed into place, so a broker
    reloading meanwhile reads either the old file or the new one, never half of one.
    """
    files = (
        (DEVICE_PASSWORD_FILE, config.device_passwords, SECRET_MODE),
        (HUB_PASSWORD_FILE, config.hub_passwords, SECRET_MODE),
        (ACL_FILE, config.acl, PUBLIC_MODE),
        (CONF_FILE, config.mosquitto_conf, PUBLIC_MODE),
    )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return tuple(_replace(out_dir / name, text, mode) for name, text, mode in files)
    except OSError as exc:
        raise BrokerConfigError([f"cannot write to {out_dir}: {exc.strerror}"]) from exc


def _replace(path: Path, text: str, mode: int) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    staged = Path(name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staged, path)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return path
