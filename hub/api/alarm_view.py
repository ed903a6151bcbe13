"""What the API needs to know about alarms: a small hook until the alarm engine exists.

The fleet summary counts active alarms by severity, and the device list filters on
``has_alarm``. Both ask an :class:`AlarmView`; :class:`NoAlarms` (the default in
``create_app``) reports none, so ``has_alarm=true`` lists no devices and the summary's
alarm counts are empty. The alarm engine replaces it with a view of its own table.
"""

from __future__ import annotations

from typing import Protocol


class AlarmView(Protocol):
    def active_device_ids(self, scope_path: str) -> set[str]:
        """Devices within the scope with at least one active alarm."""
        ...

    def active_by_severity(self, scope_path: str) -> dict[str, int]:
        """Active alarms within the scope, counted by severity."""
        ...


class NoAlarms:
    """No alarm engine: no device has an alarm."""

    def active_device_ids(self, scope_path: str) -> set[str]:
        return set()

    def active_by_severity(self, scope_path: str) -> dict[str, int]:
        return {}
