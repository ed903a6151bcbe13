"""The deployment as documented, without Docker: the secrets snippet of docs/deploy.md
makes exactly the env files docker-compose.yml reads, and with them the setup service's
commands (migrate, seed, broker-config) produce a valid hub configuration and broker files."""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.cli import main as hub_main
from hub.config import Settings

REPO = Path(__file__).resolve().parents[3]
SNIPPET = re.compile(
    r"<!-- secrets:begin -->\s*```sh\n(?P<script>.*?)```\s*<!-- secrets:end -->", re.S
)


def _snippet() -> str:
    match = SNIPPET.search((REPO / "docs" / "deploy.md").read_text(encoding="utf-8"))
    assert match is not None, "docs/deploy.md has no secrets snippet between its markers"
    return match.group("script")


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return document


def _generate(directory: Path) -> str:
    done = subprocess.run(
        ["sh", "-c", _snippet()], cwd=directory, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _read_env(path: Path) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in path.read_text().splitlines() if line.strip()]
    return {key: value for key, value in pairs}


def _env_files() -> set[str]:
    found: set[str] = set()
    for service in _compose()["services"].values():
        files = service.get("env_file", [])
        found.update([files] if isinstance(files, str) else files)
    return found


def test_snippet_writes_every_env_file_compose_reads(tmp_path: Path) -> None:
    _generate(tmp_path)
    written = {str(p.relative_to(tmp_path)) for p in (tmp_path / "secrets").iterdir()}
    assert written == _env_files()
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700
    for name in written:
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_secrets_are_random_consistent_and_valid_settings(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _generate(first)
    _generate(second)
    hub, postgres = _read_env(first / "secrets/hub.env"), _read_env(first / "secrets/postgres.env")
    assert set(hub) == {"HUB_SECRET_KEY", "HUB_MQTT_USERNAME", "HUB_MQTT_PASSWORD", "PGPASSWORD"}
    assert hub["PGPASSWORD"] == postgres["POSTGRES_PASSWORD"]
    grafana = _read_env(first / "secrets/grafana.env")
    assert len(grafana["GF_SECURITY_ADMIN_PASSWORD"]) >= 16
    other = _read_env(second / "secrets/hub.env")
    for key in ("HUB_SECRET_KEY", "HUB_MQTT_PASSWORD", "PGPASSWORD"):
        assert len(hub[key]) >= 24 and hub[key] != other[key], key
    fields = {f"HUB_{name.upper()}" for name in Settings.model_fields}
    assert {key for key in hub if key.startswith("HUB_")} <= fields
    replica = _compose()["services"]["hub-1"]["environment"]
    env = {**replica, **{k: v for k, v in hub.items() if k.startswith("HUB_")}}
    settings = Settings.model_validate({k.removeprefix("HUB_").lower(): v for k, v in env.items()})
    assert settings.secret_key == hub["HUB_SECRET_KEY"]
    assert settings.mqtt_username == "hub" and not settings.demo


def test_snippet_never_overwrites_existing_secrets(tmp_path: Path) -> None:
    _generate(tmp_path)
    before = (tmp_path / "secrets/hub.env").read_text()
    assert "keeping it" in _generate(tmp_path)
    assert (tmp_path / "secrets/hub.env").read_text() == before


def _setup_script_commands() -> list[list[str]]:
    (script,) = _compose()["services"]["setup"]["command"]
    return [
        shlex.split(line.strip()) for line in script.splitlines() if line.strip().startswith("hub ")
    ]


def test_setup_commands_write_the_broker_config_compose_mounts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run the setup service's hub commands in process, on SQLite instead of PostgreSQL and
    with a small fleet, with the generated secrets as the environment."""
    _generate(tmp_path)
    for key, value in _read_env(tmp_path / "secrets/hub.env").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    out = tmp_path / "broker-config"
    fleet = tmp_path / "fleet"
    for argv in _setup_script_commands():
        args = [a.replace("/broker-config", str(out)).replace("/fleet/", f"{fleet}/") for a in argv]
        if args[1] == "seed":
            args += ["--communities", "2", "--residents-per-building", "2"]
        assert hub_main(args[1:]) == 0, capsys.readouterr()
    assert {p.name for p in out.iterdir()} == {
        "devices.passwd",
        "hub.passwd",
        "acl",
        "mosquitto.conf",
    }
    conf = (out / "mosquitto.conf").read_text()
    install_dir = _compose()["services"]["mosquitto"]["volumes"][0].split(":")[1]
    assert f"password_file {install_dir}/hub.passwd" in conf
    assert "\nlistener 1884\n" in conf and "\nlistener 1883\n" in conf
    assert "allow_anonymous false" in conf and "persistence true" in conf
    assert not re.search(r"^persistence_location", conf, re.M), "compose uses the working dir"
    hub_user = os.environ["HUB_MQTT_USERNAME"]
    assert (out / "hub.passwd").read_text().startswith(f"{hub_user}:$7$")
    devices = (out / "devices.passwd").read_text().splitlines()
    assert len(devices) == 2 * 2 + 2 * 2, "a locker, a vending machine and two doors each"
    assert (fleet / "secrets.json").exists()
