"""Registry errors beyond those in :mod:`hub.errors` (all are ``RegistryError``)."""

from __future__ import annotations

from collections.abc import Sequence

from hub.errors import ImportRowError, RegistryError


class UnknownDevice(RegistryError):
    def __init__(self, device_id: str) -> None:
        super().__init__(f"unknown device {device_id!r}")
        self.device_id = device_id


class UnknownResident(RegistryError):
    def __init__(self, description: str) -> None:
        super().__init__(f"no resident {description}")
        self.description = description


class UnknownToken(RegistryError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"no API token {reference}")
        self.reference = reference


class AlreadySeeded(RegistryError):
    def __init__(self, devices: int, nodes: int) -> None:
        super().__init__(
            f"the registry already holds {nodes} nodes and {devices} devices: "
            "refusing to seed over them (use --force to wipe the registry and reseed)"
        )


class ImportRejected(RegistryError):
    """A CSV import refused as a whole; ``errors`` has one entry per bad row."""

    def __init__(self, errors: Sequence[ImportRowError]) -> None:
        noun = "row" if len(errors) == 1 else "rows"
        super().__init__(f"{len(errors)} bad {noun}: nothing imported")
        self.errors = tuple(errors)


class InvalidChange(RegistryError):
    """A registry write refused for one field of what was asked (an API 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ConflictingChange(RegistryError):
    """A registry write that clashes with what the registry holds (an API 409)."""
