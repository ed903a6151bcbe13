"""The topic side of a protocol definition, answered by the protocol's ``topics`` module.

lockerlink and OSDP lay their topics out alike (``<protocol>/<device>/<channel>``): each
has a ``topics`` module with the same six functions, and its definition answers the
codecs' topic questions by handing them on. :class:`TopicsFromModule` is that handing
on, once; a definition names its module in ``topic_layout``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol

from firmware_protocols.base import DeviceTopics, Subscription


class TopicLayout(Protocol):
    def subscriptions(self) -> Sequence[Subscription]: ...
    def device_subscriptions(self, device_id: str) -> Sequence[Subscription]: ...
    def reply_subscriptions(self) -> Sequence[Subscription]: ...
    def announce_subscriptions(self) -> Sequence[Subscription]: ...
    def route(self, topic: str) -> tuple[str, str] | None: ...
    def device_topics(self, device_id: str) -> DeviceTopics: ...


class TopicsFromModule:
    """Mixin for a definition whose topics a module lays out."""

    __slots__ = ()
    topic_layout: ClassVar[TopicLayout]

    def subscriptions(self) -> Sequence[Subscription]:
        return self.topic_layout.subscriptions()

    def device_subscriptions(self, device_id: str) -> Sequence[Subscription]:
        return self.topic_layout.device_subscriptions(device_id)

    def reply_subscriptions(self) -> Sequence[Subscription]:
        return self.topic_layout.reply_subscriptions()

    def announce_subscriptions(self) -> Sequence[Subscription]:
        return self.topic_layout.announce_subscriptions()

    def route(self, topic: str) -> tuple[str, str] | None:
        return self.topic_layout.route(topic)

    def device_topics(self, device_id: str) -> DeviceTopics:
        return self.topic_layout.device_topics(device_id)
