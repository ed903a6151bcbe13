"""An ingest worker: one partition of the fleet's devices, its own MQTT connection, its
own store writer, and the domain logic and alarms of its devices."""
