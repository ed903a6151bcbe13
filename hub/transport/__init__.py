"""The hub's MQTT transport: one connection per process, driven from the asyncio loop."""
