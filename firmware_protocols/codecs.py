"""Definitions keyed by (protocol, firmware version), resolved once per device.

``all_codecs()`` collects every protocol package's ``DEFINITIONS``. Resolution tries
the exact firmware version, then its major version ("2.4.1" -> "2"), so a point release
needs no new definition while a new generation does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from firmware_protocols.base import Definition, Subscription

ROUTES_REMEMBERED = 200_000


class UnknownDefinition(LookupError):
    def __init__(self, protocol: str, firmware_version: str) -> None:
        super().__init__(f"no codec for protocol {protocol!r} firmware {firmware_version!r}")
        self.protocol = protocol
        self.firmware_version = firmware_version


class Codecs:
    """An immutable index of definitions. Registration validates required fields and
    refuses two definitions claiming the same (protocol, version)."""

    def __init__(self, definitions: Iterable[Definition]) -> None:
        self._by_key: dict[tuple[str, str], Definition] = {}
        self._definitions: list[Definition] = []
        self._routers: dict[str, Definition] = {}  # one per protocol
        self._routes: dict[str, tuple[str, str, str] | None] = {}
        for definition in definitions:
            self._register(definition)

    def _register(self, definition: Definition) -> None:
        if not definition.protocol or not definition.firmware_versions:
            raise ValueError(f"definition {definition!r} lacks a protocol or firmware versions")
        if definition.kind not in ("locker", "vending", "door"):
            raise ValueError(f"definition {definition!r} has unknown kind {definition.kind!r}")
        for version in definition.firmware_versions:
            key = (definition.protocol, version)
            if key in self._by_key:
                raise ValueError(f"two definitions for {key}")
            self._by_key[key] = definition
        self._definitions.append(definition)
        self._routers.setdefault(definition.protocol, definition)

    @property
    def definitions(self) -> Sequence[Definition]:
        return tuple(self._definitions)

    @property
    def protocols(self) -> frozenset[str]:
        return frozenset(d.protocol for d in self._definitions)

    def resolve(self, protocol: str, firmware_version: str) -> Definition:
        exact = self._by_key.get((protocol, firmware_version))
        if exact is not None:
            return exact
        major = firmware_version.lstrip("vV").split(".", 1)[0]
        found = self._by_key.get((protocol, major))
        if found is None:
            raise UnknownDefinition(protocol, firmware_version)
        return found

    def subscriptions(self) -> list[Subscription]:
        """Every protocol's topic filters, without duplicates, in a stable order."""
        seen: dict[str, Subscription] = {}
        for definition in self._definitions:
            for sub in definition.subscriptions():
                seen.setdefault(sub.topic_filter, sub)
        return list(seen.values())

    def reply_subscriptions(self) -> list[Subscription]:
        """Every protocol's hub-wide reply filters, without duplicates."""
        return _unique(s for d in self._definitions for s in d.reply_subscriptions())

    def announce_subscriptions(self) -> list[Subscription]:
        """Every protocol's hub-wide status and birth filters, without duplicates."""
        return _unique(s for d in self._definitions for s in d.announce_subscriptions())

    def device_subscriptions(self, protocol: str, device_id: str) -> list[Subscription]:
        """One device's uplink filters (replies on their own topics excepted)."""
        definition = self._routers.get(protocol)
        if definition is None:
            raise UnknownDefinition(protocol, "")
        return list(definition.device_subscriptions(device_id))

    def route(self, topic: str) -> tuple[str, str, str] | None:
        """(protocol, device id, channel) for an incoming topic, or None. A device uses a
        handful of topics for its whole life, so answers are remembered (up to
        :data:`ROUTES_REMEMBERED` topics) and a message costs one dict lookup."""
        try:
            return self._routes[topic]
        except KeyError:
            pass
        routed = self._route(topic)
        if len(self._routes) >= ROUTES_REMEMBERED:
            self._routes.clear()
        self._routes[topic] = routed
        return routed

    def _route(self, topic: str) -> tuple[str, str, str] | None:
        # Every generation of a protocol shares its topics: ask one definition per protocol.
        for protocol, definition in self._routers.items():
            routed = definition.route(topic)
            if routed is not None:
                return protocol, routed[0], routed[1]
        return None


def _unique(subscriptions: Iterable[Subscription]) -> list[Subscription]:
    seen: dict[str, Subscription] = {}
    for subscription in subscriptions:
        seen.setdefault(subscription.topic_filter, subscription)
    return list(seen.values())


@cache
def all_codecs() -> Codecs:
    """Every definition shipped in this package."""
    from firmware_protocols.lockerlink.definitions import DEFINITIONS as LOCKERLINK
    from firmware_protocols.osdp.definitions import DEFINITIONS as OSDP
    from firmware_protocols.sparkplug_b.definitions import DEFINITIONS as SPARKPLUG

    return Codecs([*LOCKERLINK, *SPARKPLUG, *OSDP])
