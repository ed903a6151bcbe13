"""The hub's MQTT transport: one connection per
:class:`~hub.transport.paho_transport.PahoTransport` (the front's command lane, each ingest
worker's), kept up on :mod:`mqtt_link`. Consumers see the
:class:`~hub.transport.base.Transport` protocol."""
