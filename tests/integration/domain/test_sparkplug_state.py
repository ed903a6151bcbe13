"""The hub's Sparkplug host STATE on a real broker: online and retained once connected,
the offline will when the connection dies, online again after the reconnect; a replica
that is not primary publishes nothing."""

from __future__ import annotations

import uuid

from firmware_protocols.sparkplug_b.host_state import HostState, decode_host_state
from hub.transport.paho_transport import PahoTransport
from tests.support.hub_harness import ScriptedClient, running_hub
from tests.support.waiting import async_wait_until


def states(client: ScriptedClient) -> list[tuple[HostState, bool]]:
    return [(decode_host_state(m.payload), m.retain) for m in client.received]


async def test_state_online_retained_will_offline_and_online_again_after_reconnect(
    sqlite_url, settings_factory, mosquitto_session
) -> None:  # type: ignore[no-untyped-def]
    host_id = f"state-{uuid.uuid4().hex[:8]}"
    topic = f"spBv1.0/STATE/{host_id}"
    settings = settings_factory(
        database_url=sqlite_url, instance_id=host_id, sparkplug_host_id=host_id
    )
    async with running_hub(settings, mosquitto_session.url, shared=False) as runtime:
        assert isinstance(runtime.transport, PahoTransport)
        # The broker may deliver the STATE to a subscriber before it acknowledges it to
        # the hub, which counts a publish only on its PUBACK. Subscribing while the STATE
        # is still on its way can bring it twice (the retained copy on subscribing, then
        # the live one: a CI run saw four messages where three were due), so the observer
        # subscribes once the broker has taken it: then it gets exactly the retained copy.
        await async_wait_until(lambda: runtime.host.published == 1, what="first STATE PUBACK")
        observer = ScriptedClient(mosquitto_session.url, f"observer-{host_id}").connect()
        observer.subscribe(topic)
        await async_wait_until(lambda: len(observer.received) == 1, what="the retained STATE")
        [(birth, retained)] = states(observer)
        assert birth.online and retained  # retained, so a node connecting later sees it
        assert observer.received[0].qos == 1

        runtime.transport.drop_connection()  # no DISCONNECT: the broker sends the will
        await async_wait_until(lambda: len(observer.received) == 3, what="will, then birth")
        (will, _), (again, _) = states(observer)[1:]
        assert not will.online and will.timestamp == birth.timestamp  # the will of connection 1
        assert again.online and again.timestamp > birth.timestamp
        assert runtime.transport.generation == 2
        await async_wait_until(lambda: runtime.host.published == 2, what="second STATE PUBACK")

        # Whoever subscribes now gets the newest STATE, retained.
        late = ScriptedClient(mosquitto_session.url, f"late-{host_id}").connect()
        late.subscribe(topic)
        await async_wait_until(lambda: late.received, what="retained STATE for a late node")
        assert states(late) == [(again, True)]
        late.close()

        # A second replica, not primary, with the same host id: no STATE, no will.
        secondary = settings_factory(
            database_url=sqlite_url,
            instance_id=f"{host_id}-b",
            sparkplug_host_id=host_id,
            sparkplug_primary=False,
        )
        async with running_hub(secondary, mosquitto_session.url, shared=False) as replica:
            assert isinstance(replica.transport, PahoTransport)
            replica.transport.drop_connection()
            await async_wait_until(
                lambda: replica.transport.generation == 2 and replica.transport.connected,
                what="the replica reconnected",
            )
            assert replica.host.published == 0
        assert len(observer.received) == 3  # nothing from the replica: no birth, no will
        observer.close()
