"""The hub's MQTT transport: paho-mqtt 2.x driven from the asyncio loop, one connection
per :class:`~hub.transport.paho_transport.PahoTransport` (the front's command lane, each
ingest worker's). Consumers see the :class:`~hub.transport.base.Transport` protocol."""
