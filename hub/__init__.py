"""The community device hub: ingest, registry, twins, commands and API for a city's
parcel lockers, vending machines and door units."""

__version__ = "0.1.0"
