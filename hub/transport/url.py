"""Broker URLs: ``mqtt://[user:pass@]host[:port]`` (also ``tcp://``; ``mqtts://`` for TLS)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from hub.transport.errors import BrokerUrlError

_PLAIN = ("mqtt", "tcp")
_TLS = ("mqtts", "ssl")


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None


def parse_mqtt_url(url: str) -> BrokerAddress:
    """Parse a broker URL; raise :class:`BrokerUrlError` if it is not one.

    The port defaults to 1883 (8883 with TLS); user and password are percent-decoded.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _PLAIN + _TLS:
        raise BrokerUrlError(url, "scheme must be mqtt://, tcp://, mqtts:// or ssl://")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BrokerUrlError(url, "no path, query or fragment allowed")
    host = parts.hostname
    if not host:
        raise BrokerUrlError(url, "missing host")
    tls = scheme in _TLS
    try:
        port = parts.port
    except ValueError as exc:
        raise BrokerUrlError(url, "port must be a number from 1 to 65535") from exc
    if port == 0:
        raise BrokerUrlError(url, "port must be a number from 1 to 65535")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return BrokerAddress(
        host=host,
        port=port if port is not None else (8883 if tls else 1883),
        tls=tls,
        username=username,
        password=password,
    )
