"""The largest payload any device protocol allows, for the broker's ``message_size_limit``.

Each codec refuses payloads above its own limit; the broker can refuse them earlier, before
they cost the hub anything. Mosquitto 2.0 has one limit for the whole broker, so it is the
largest of the protocols' limits: Sparkplug B's 512 KiB (a whole DEX audit file travels in
one metric). Lockerlink allows 32 KiB; OSDP envelopes have no limit of their own and are a
few hundred bytes in practice, so the broker's limit is theirs.
"""

from __future__ import annotations

from typing import Final

from firmware_protocols.lockerlink.fields import MAX_PAYLOAD_BYTES as LOCKERLINK_MAX
from firmware_protocols.sparkplug_b.payload import MAX_PAYLOAD_BYTES as SPARKPLUG_MAX

PROTOCOL_MAX_PAYLOAD: Final = {
    "lockerlink": LOCKERLINK_MAX,
    "sparkplug_b": SPARKPLUG_MAX,
}
MESSAGE_SIZE_LIMIT: Final = max(PROTOCOL_MAX_PAYLOAD.values())
