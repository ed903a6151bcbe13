"""Routers of the API, one module per area; ``create_app`` includes each."""
