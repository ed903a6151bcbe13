"""Where the broker is: ``mqtt://[user:pass@]host[:port]`` (also ``tcp://``; ``mqtts://``
and ``ssl://`` for TLS)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

from mqtt_link.errors import BrokerUrlError

_PLAIN = ("mqtt", "tcp")
_TLS = ("mqtts", "ssl")


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """A broker's host and port, whether to speak TLS, and the credentials the URL carried
    (the simulated devices ignore those: each has its own)."""

    host: str
    port: int = 1883
    tls: bool = False
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
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
        return cls(
            host=host,
            port=port if port is not None else (8883 if tls else 1883),
            tls=tls,
            username=username,
            password=password,
        )

    def resolved(self) -> BrokerAddress:
        """The same address with the host resolved once, so that thousands of connects
        never wait on DNS (not for TLS: the certificate names the host)."""
        if self.tls:
            return self
        infos = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        return replace(self, host=str(infos[0][4][0]))
