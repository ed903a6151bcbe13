"""The hub's store: telemetry, events, presence history, dead letters and twins.

Tables live in :mod:`hub.store.schema`; migration 0002 creates them.
"""
