"""The one error the DEX reader and writer raise, and the warnings the reader collects.

``DexError`` (a :class:`~firmware_protocols.base.CodecError`) means "this is not a DEX file
at all" (reasons ``empty``, ``not_text``, ``not_dex``, ``too_large``) or, from the writer,
"these values cannot be written so that reading them back gives them again"
(``invalid_value``). Everything wrong *inside* a DEX file is a :class:`DexWarning` instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware_protocols.base import CodecError


class DexError(CodecError):
    """Input that is not a DEX file, or values the writer cannot encode."""


@dataclass(frozen=True, slots=True)
class DexWarning:
    """One problem found in a file that was still read. ``code`` is short and stable (a
    metrics label); ``line`` is the 1-based input line, when the problem has one."""

    code: str
    detail: str
    line: int | None = None
