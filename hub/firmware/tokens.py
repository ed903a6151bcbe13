"""Per-download tokens: which device may fetch which image, until when (pure).

A token is ``<payload>.<signature>``, both base64url: the payload names the device, the
image's SHA-256 and the expiry (Unix ms); the signature is HMAC-SHA256 of the payload
with a key derived from ``HUB_SECRET_KEY``. Any replica verifies it without a database
row, and nobody can make one for another image or stretch its life.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

from hub.errors import HubError

_CONTEXT = b"hub firmware download token v1"


class TokenRefused(HubError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class DownloadGrant:
    device_id: str
    sha256: str
    expires_ms: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class DownloadTokens:
    def __init__(self, secret_key: str) -> None:
        self._key = hmac.new(secret_key.encode(), _CONTEXT, hashlib.sha256).digest()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def issue(self, grant: DownloadGrant) -> str:
        payload = json.dumps(
            {"d": grant.device_id, "i": grant.sha256, "e": grant.expires_ms},
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def verify(self, token: str, now_ms: int) -> DownloadGrant:
        """The grant a token carries; TokenRefused if forged, malformed or expired."""
        head, _, tail = token.partition(".")
        try:
            payload, signature = _unb64(head), _unb64(tail)
        except (ValueError, TypeError) as exc:
            raise TokenRefused("malformed token") from exc
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise TokenRefused("bad signature")
        try:
            fields = json.loads(payload)
            grant = DownloadGrant(str(fields["d"]), str(fields["i"]), int(fields["e"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenRefused("malformed token") from exc
        if now_ms >= grant.expires_ms:
            raise TokenRefused("expired token")
        return grant
