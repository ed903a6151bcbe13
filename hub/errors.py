"""The hub's exception tree.

HubError
 +-- ConfigError        invalid or missing configuration (names the variable)
 +-- RegistryError      registry lookups and imports
 |    +-- UnknownScope  a scope code that names no node of the hierarchy
 |    +-- ImportRowError a CSV row that cannot be imported (line and field)
 +-- CommandError       command issue and outcome problems
"""

from __future__ import annotations


class HubError(Exception):
    """Base class of every error the hub raises on purpose."""


class ConfigError(HubError):
    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason


class RegistryError(HubError):
    pass


class UnknownScope(RegistryError):
    def __init__(self, code: str) -> None:
        super().__init__(
            f"unknown scope {code!r}: not a city, district, subdistrict or community code"
        )
        self.code = code


class ImportRowError(RegistryError):
    def __init__(self, line: int, field: str, reason: str) -> None:
        super().__init__(f"line {line}, field {field!r}: {reason}")
        self.line = line
        self.field = field
        self.reason = reason


class CommandError(HubError):
    pass
