"""The rate measurement ``hub bench`` reuses: it runs and counts right (no timing asserted)."""

from __future__ import annotations

import struct

from tests.support.broker import PrivateMosquitto
from tests.support.receive_rates import compare_receive_rates, publish_packets


def test_publish_packets_are_well_formed_mqtt() -> None:
    packets = publish_packets("a/b", 3, 10, qos=1)
    # 0x32 (PUBLISH, QoS 1), remaining length 17 = 2 + 3 (topic) + 2 (id) + 10 (payload)
    first = packets[:19]
    assert first[0] == 0x32 and first[1] == 17
    assert first[2:7] == struct.pack("!H", 3) + b"a/b"
    assert struct.unpack("!H", first[7:9]) == (1,)
    assert first[9:19] == b"00000000.."
    assert len(packets) == 3 * 19


async def test_compare_counts_every_message_for_every_subscriber(
    mosquitto_session: PrivateMosquitto,
) -> None:
    results = await compare_receive_rates(mosquitto_session.url, messages=3000, payload_size=16)
    assert [(r.subscriber, r.qos) for r in results] == [
        ("paho loop_forever (v3.1.1)", 0),
        ("paho loop_forever (v5)", 0),
        ("hub transport (v5)", 0),
        ("paho loop_forever (v3.1.1)", 1),
        ("paho loop_forever (v5)", 1),
        ("hub transport (v5) acked", 1),
    ]
    assert all(r.received == r.sent == 3000 for r in results)
    assert all(r.seconds > 0 and r.per_second > 0 and r.cpu_seconds > 0 for r in results)
