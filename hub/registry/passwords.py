"""MQTT passwords in Mosquitto's ``$7$`` format (PBKDF2-HMAC-SHA512), as written by
``mosquitto_passwd`` since Mosquitto 2.0 and read from its ``password_file``.

Format: ``$7$<iterations>$<base64 salt>$<base64 hash>``, with a 12-byte salt and a
64-byte derived key, standard base64 with padding. The default iteration count is
Mosquitto's own (101): the broker recomputes the hash on every CONNECT, so a large count
would slow a reconnect storm of thousands of devices, and the passwords we generate carry
about 190 bits of entropy, far beyond what stretching adds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from typing import Final

MOSQUITTO_ITERATIONS: Final = 101
SALT_BYTES: Final = 12
HASH_BYTES: Final = 64
MAX_ITERATIONS: Final = 10_000_000  # a hash asking for more is refused, not computed
_PREFIX: Final = "$7$"


def generate_password(nbytes: int = 24) -> str:
    """A fresh random password (URL-safe text, ``nbytes`` of entropy) from the OS CSPRNG."""
    return secrets.token_urlsafe(nbytes)


def hash_password(
    password: str, *, iterations: int = MOSQUITTO_ITERATIONS, salt: bytes | None = None
) -> str:
    """Hash ``password`` the way ``mosquitto_passwd -H sha512-pbkdf2`` does."""
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be between 1 and {MAX_ITERATIONS}")
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, HASH_BYTES)
    return f"{_PREFIX}{iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True if ``password`` matches ``encoded``; False for a mismatch or a malformed hash."""
    parts = encoded.split("$")
    if len(parts) != 5 or parts[0] != "" or parts[1] != "7" or not _is_decimal(parts[2]):
        return False
    iterations = int(parts[2])
    try:
        salt = base64.b64decode(parts[3], validate=True)
        expected = base64.b64decode(parts[4], validate=True)
        secret = password.encode()
    except ValueError:  # binascii.Error, non-ASCII base64, unencodable password
        return False
    if not 1 <= iterations <= MAX_ITERATIONS or not salt or len(expected) != HASH_BYTES:
        return False
    digest = hashlib.pbkdf2_hmac("sha512", secret, salt, iterations, HASH_BYTES)
    return hmac.compare_digest(digest, expected)


def _is_decimal(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 9


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
