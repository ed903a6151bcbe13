"""Broker URL parsing and transport options built from settings."""

from __future__ import annotations

import pytest

from hub.errors import ConfigError
from hub.transport.options import TransportOptions
from mqtt_link.address import BrokerAddress
from mqtt_link.errors import BrokerUrlError


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://broker", BrokerAddress("broker", 1883)),
        ("tcp://10.0.0.5:1884", BrokerAddress("10.0.0.5", 1884)),
        ("mqtts://broker.example", BrokerAddress("broker.example", 8883, tls=True)),
        ("mqtt://hub:s%40cret@broker:1883", BrokerAddress("broker", 1883, False, "hub", "s@cret")),
        ("mqtt://hub@broker", BrokerAddress("broker", 1883, False, "hub", None)),
        ("mqtt://[::1]:1999/", BrokerAddress("::1", 1999)),
    ],
)
def test_parses_broker_urls(url: str, expected: BrokerAddress) -> None:
    assert BrokerAddress.parse(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://broker",
        "broker:1883",
        "mqtt://",
        "mqtt://broker:port",
        "mqtt://b:70000",
        "mqtt://b/x",
    ],
)
def test_rejects_what_is_not_a_broker_url(url: str) -> None:
    with pytest.raises(BrokerUrlError):
        BrokerAddress.parse(url)


def test_options_from_settings(settings_factory) -> None:  # type: ignore[no-untyped-def]
    settings = settings_factory(
        mqtt_url="mqtt://u:p@broker:1999",
        instance_id="hub-7",
        share_group="blue",
        mqtt_protocol="3.1.1",
        ingest_queue_size=500,
        mqtt_session_expiry_s=60,
    )
    options = TransportOptions.from_settings(settings, receive_maximum=1000)
    assert (options.host, options.port, options.client_id) == ("broker", 1999, settings.instance_id)
    assert settings.instance_id.startswith("hub-7")
    assert (options.username, options.password) == ("u", "p")
    assert (options.share_group, options.protocol) == ("blue", "3.1.1")
    assert (options.queue_size, options.effective_low_water) == (500, 250)
    assert (options.session_expiry_s, options.receive_maximum) == (60, 1000)


def test_settings_credentials_win_over_the_url(settings_factory) -> None:  # type: ignore[no-untyped-def]
    settings = settings_factory(
        mqtt_url="mqtt://u:p@broker", mqtt_username="hub", mqtt_password="pw"
    )
    options = TransportOptions.from_settings(settings)
    assert (options.username, options.password) == ("hub", "pw")


def test_an_explicit_url_stands_in_for_an_unset_one(settings_factory) -> None:  # type: ignore[no-untyped-def]
    settings = settings_factory()
    with pytest.raises(ConfigError) as caught:
        TransportOptions.from_settings(settings)
    assert caught.value.variable == "HUB_MQTT_URL"
    assert TransportOptions.from_settings(settings, "mqtt://127.0.0.1:2000").port == 2000


@pytest.mark.parametrize(
    "bad",
    [{"client_id": ""}, {"receive_maximum": 0}, {"receive_maximum": 70_000}, {"low_water": 10}],
)
def test_options_refuse_nonsense(bad: dict[str, object]) -> None:
    values: dict[str, object] = {"host": "b", "port": 1883, "client_id": "c", "queue_size": 10}
    values.update(bad)
    with pytest.raises(ValueError):
        TransportOptions(**values)  # type: ignore[arg-type]


def test_tls_from_an_mqtts_url_or_a_ca_file(settings_factory) -> None:  # type: ignore[no-untyped-def]
    plain = TransportOptions.from_settings(settings_factory(mqtt_url="mqtt://broker"))
    assert (plain.tls, plain.tls_ca_file, plain.port) == (False, None, 1883)
    mqtts = TransportOptions.from_settings(settings_factory(mqtt_url="mqtts://broker"))
    assert (mqtts.tls, mqtts.tls_ca_file, mqtts.port) == (True, None, 8883)
    with_ca = TransportOptions.from_settings(
        settings_factory(mqtt_url="mqtt://broker:8884", mqtt_tls_ca_file="/etc/hub/ca.pem")
    )
    assert (with_ca.tls, with_ca.tls_ca_file, with_ca.port) == (True, "/etc/hub/ca.pem", 8884)
