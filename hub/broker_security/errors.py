"""The one error ``hub broker-config`` raises on purpose."""

from __future__ import annotations

from collections.abc import Sequence

from hub.errors import HubError

MAX_LISTED = 10


class BrokerConfigError(HubError):
    """The registry or the hub account cannot be turned into a broker configuration.

    ``problems`` lists every reason found (a device id and what is wrong with it), so one
    run reports them all; the message shows the first few.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        shown = "; ".join(problems[:MAX_LISTED])
        more = len(problems) - MAX_LISTED
        super().__init__(shown + (f"; and {more} more" if more > 0 else ""))
        self.problems = tuple(problems)
