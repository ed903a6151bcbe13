"""HTTP ``Range: bytes=...`` for image downloads (pure).

One range is served (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``); a header naming several
ranges gets the first, which is what resuming devices send anyway. A range that starts
past the end is unsatisfiable (416); an unreadable header is ignored (the whole image).
"""

from __future__ import annotations

from dataclasses import dataclass


class Unsatisfiable(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # exclusive

    @property
    def length(self) -> int:
        return self.end - self.start

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end - 1}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range to serve, or None for the whole image; Unsatisfiable when it cannot be."""
    if header is None or not header.strip().lower().startswith("bytes="):
        return None
    first = header.strip()[6:].split(",", 1)[0].strip()
    low, dash, high = first.partition("-")
    if not dash:
        return None
    try:
        if low == "":
            suffix = int(high)
            if suffix <= 0:
                raise Unsatisfiable(header)
            return ByteRange(max(0, size - suffix), size)
        start = int(low)
        end = size if high == "" else min(size, int(high) + 1)
    except ValueError:
        return None
    if start < 0 or start >= size or end <= start:
        raise Unsatisfiable(header)
    return ByteRange(start, end)
