"""What one transport needs to know, gathered from :class:`hub.config.Settings` once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from hub.config import Settings
from hub.errors import ConfigError
from mqtt_link.address import BrokerAddress
from mqtt_link.errors import BrokerUrlError

ProtocolChoice = Literal["auto", "5", "3.1.1"]


@dataclass(frozen=True, slots=True)
class TransportOptions:
    """Connection options. ``protocol="auto"`` tries MQTT 5 and falls back to 3.1.1 when
    the broker refuses it. ``share_group=None`` subscribes shared filters plainly (for a
    broker without ``$share``, such as the embedded demo broker). ``receive_maximum`` is
    how many unacknowledged QoS 1 messages the broker may send us (MQTT 5 only; a 3.1.1
    session is limited by the broker's own setting, Mosquitto's ``max_inflight_messages``).
    """

    host: str
    port: int
    client_id: str
    username: str | None = None
    password: str | None = None
    tls: bool = False
    tls_ca_file: str | None = None  # trust this CA instead of the system's
    protocol: ProtocolChoice = "auto"
    keepalive_s: int = 30
    session_expiry_s: int = 86_400
    receive_maximum: int = 65_535
    share_group: str | None = "hub"
    queue_size: int = 20_000
    low_water: int | None = None
    connect_timeout_s: float = 10.0
    subscribe_timeout_s: float = 10.0
    publish_timeout_s: float = 10.0
    max_inflight_publishes: int = 20
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("host must not be empty")
        if not 1 <= self.port <= 65_535:
            raise ValueError("port must be 1..65535")
        if not self.client_id:
            raise ValueError("client_id must not be empty (the session is keyed by it)")
        if not 1 <= self.receive_maximum <= 65_535:
            raise ValueError("receive_maximum must be 1..65535")
        if self.queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        if self.low_water is not None and not 0 <= self.low_water < self.queue_size:
            raise ValueError("low_water must be 0..queue_size-1")
        if not 0 < self.backoff_initial_s <= self.backoff_max_s:
            raise ValueError("need 0 < backoff_initial_s <= backoff_max_s")
        if self.keepalive_s < 0 or self.session_expiry_s < 0:
            raise ValueError("keepalive_s and session_expiry_s must not be negative")

    @property
    def effective_low_water(self) -> int:
        return self.queue_size // 2 if self.low_water is None else self.low_water

    @classmethod
    def from_settings(
        cls, settings: Settings, url: str | None = None, **overrides: Any
    ) -> TransportOptions:
        """Options from settings. ``url`` stands in for ``HUB_MQTT_URL`` (the embedded
        broker's address when that is unset). Credentials in the settings win over those
        in the URL."""
        broker_url = url if url is not None else settings.mqtt_url
        if broker_url is None:
            raise ConfigError("HUB_MQTT_URL", "no broker URL (start the embedded broker first)")
        try:
            address = BrokerAddress.parse(broker_url)
        except BrokerUrlError as exc:
            raise ConfigError("HUB_MQTT_URL", str(exc)) from exc
        username = settings.mqtt_username or address.username
        password = settings.mqtt_password if settings.mqtt_username else address.password
        options = cls(
            host=address.host,
            port=address.port,
            tls=address.tls or settings.mqtt_tls_ca_file is not None,
            tls_ca_file=settings.mqtt_tls_ca_file,
            client_id=settings.instance_id,
            username=username,
            password=password,
            protocol=settings.mqtt_protocol,
            keepalive_s=settings.mqtt_keepalive_s,
            session_expiry_s=settings.mqtt_session_expiry_s,
            share_group=settings.share_group,
            queue_size=settings.ingest_queue_size,
        )
        return replace(options, **overrides) if overrides else options
