"""Configuration: defaults, validation, and errors that name the variable."""

from __future__ import annotations

import pytest

from hub.config import load_settings
from hub.errors import ConfigError


def test_defaults_in_demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DEMO", "true")
    settings = load_settings()
    assert settings.database_url == "sqlite:///./hub.db"
    assert settings.api_port == 8000
    assert settings.mqtt_url is None
    assert settings.share_group == "hub"


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
