"""TLS for the broker's listeners: where the certificate, its key and (optionally) the CA
of client certificates live on the broker's host, as Mosquitto names them per listener."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

MIN_TLS_VERSION: Final = "tlsv1.2"  # Mosquitto 2.0's tls_version is the minimum accepted


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """``certfile`` (the broker's certificate chain, PEM), ``keyfile`` (its private key)
    and, if given, ``client_ca``: devices must then also present a certificate signed by
    it (``require_certificate true``) besides their password."""

    certfile: str
    keyfile: str
    client_ca: str | None = None

    def __post_init__(self) -> None:
        for name, path in (("certfile", self.certfile), ("keyfile", self.keyfile)):
            _check_path(name, path)
        if self.client_ca is not None:
            _check_path("client CA file", self.client_ca)

    def lines(self) -> list[str]:
        """The per-listener options of a TLS listener."""
        out = [
            f"certfile {self.certfile}",
            f"keyfile {self.keyfile}",
            f"tls_version {MIN_TLS_VERSION}",
        ]
        if self.client_ca is not None:
            out += [f"cafile {self.client_ca}", "require_certificate true"]
        return out


def _check_path(name: str, path: str) -> None:
    if not PurePosixPath(path).is_absolute() or any(c.isspace() for c in path):
        raise ValueError(f"{name} {path!r} must be an absolute path without spaces")
