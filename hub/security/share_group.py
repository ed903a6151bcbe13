"""The hub replicas' MQTT shared-subscription group, kept secret from devices.

Mosquitto 2.0 grants every SUBSCRIBE under an ``acl_file`` and checks read access only
when it delivers a message. A device that subscribes to ``$share/<the hub's group>/...``
therefore becomes a member of the hub's group: Mosquitto hands it its turn of the
group's messages, refuses each one at delivery, and that message is lost to the hub. So
the group's name must be something a device cannot know or guess.

By default the name is derived from ``HUB_SECRET_KEY``, which every replica already
shares (PIN hashes need the same key) and no device ever sees: replicas agree on the
group without another secret to distribute, and each deployment gets its own.
``HUB_SHARE_GROUP`` overrides it (an empty value means plain subscriptions).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final

_LABEL: Final = b"hub mqtt shared-subscription group v1"
DERIVED_PREFIX: Final = "hub-"
DERIVED_HEX_CHARS: Final = 32  # 128 bits
MIN_SECRET_CHARS: Final = 16
# Names anyone could try: the old documented default and common ones.
WELL_KNOWN: Final = frozenset({"hub", "hubs", "group", "g", "share", "shared", "default", "test"})
_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


def derive_share_group(secret_key: str) -> str:
    """``hub-`` and 128 bits of HMAC-SHA256(secret_key, label), as hex: a valid MQTT share
    name (no ``/``, ``+`` or ``#``) that reveals nothing about the key."""
    digest = hmac.new(secret_key.encode(), _LABEL, hashlib.sha256).hexdigest()
    return DERIVED_PREFIX + digest[:DERIVED_HEX_CHARS]


def weakness(group: str) -> str | None:
    """Why a device could guess ``group``, or None if it looks like a secret."""
    if not group:
        return None  # plain subscriptions: no group to join
    if not _NAME.fullmatch(group):
        return f"{group!r} is not a valid share group name"
    if group.lower() in WELL_KNOWN:
        return f"{group!r} is a well-known name"
    if len(group) < MIN_SECRET_CHARS:
        return f"{group!r} is shorter than {MIN_SECRET_CHARS} characters"
    return None
