"""The hub's MQTT transport: one connection per process, driven from the asyncio loop."""

from hub.transport.base import ConnectionObserver, InboundMessage, Transport, Will
from hub.transport.errors import (
    NotConnectedError,
    PublishConnectionLost,
    PublishError,
    PublishRejected,
    PublishTimeout,
    SubscribeError,
    TransportError,
)
from hub.transport.memory import MemoryTransport
from hub.transport.options import TransportOptions
from hub.transport.paho_transport import PahoTransport

__all__ = [
    "ConnectionObserver",
    "InboundMessage",
    "MemoryTransport",
    "NotConnectedError",
    "PahoTransport",
    "PublishConnectionLost",
    "PublishError",
    "PublishRejected",
    "PublishTimeout",
    "SubscribeError",
    "Transport",
    "TransportError",
    "TransportOptions",
    "Will",
]
