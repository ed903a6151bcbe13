"""The front process of a hub replica: the API, the command lane and the supervision of
the ingest workers. Nothing here reads device telemetry."""
