"""The REST API (FastAPI), served on the hub's own event loop."""
