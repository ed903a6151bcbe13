"""Configuration: defaults, validation, and errors that name the variable."""

from __future__ import annotations

import pytest

from hub.config import DEMO_SECRET_KEY, Settings, load_settings
from hub.errors import ConfigError
from hub.security.share_group import derive_share_group, weakness


def test_defaults_in_demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DEMO", "true")
    settings = load_settings()
    assert settings.database_url == "sqlite:///./hub.db"
    assert settings.api_port == 8000
    assert settings.mqtt_url is None
    assert settings.share_group == derive_share_group(DEMO_SECRET_KEY)


def test_the_share_group_is_derived_from_the_secret_key_unless_set() -> None:
    one = Settings(secret_key="a" * 20)
    assert one.share_group == Settings(secret_key="a" * 20).share_group  # replicas agree
    assert one.share_group != Settings(secret_key="b" * 20).share_group  # deployments differ
    assert one.share_group.startswith("hub-") and weakness(one.share_group) is None
    assert "a" * 20 not in one.share_group
    assert Settings(secret_key="a" * 20, share_group="blue").share_group == "blue"
    assert Settings(secret_key="a" * 20, share_group="").share_group == ""


def test_secret_key_required_outside_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_DEMO", raising=False)
    monkeypatch.delenv("HUB_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="HUB_SECRET_KEY"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HUB_API_PORT", "eighty"),
        ("HUB_API_PORT", "70000"),
        ("HUB_MQTT_URL", "http://broker"),
        ("HUB_DATABASE_URL", "mysql://x"),
        ("HUB_SHARE_GROUP", "has space"),
        ("HUB_TIMEZONE", "Mars/Olympus_Mons"),
        ("HUB_TIMEZONE", "../etc/passwd"),
    ],
)
def test_invalid_value_names_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("HUB_DEMO", "true")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as excinfo:
        load_settings()
    assert excinfo.value.variable == variable
    assert str(excinfo.value).startswith(variable)
