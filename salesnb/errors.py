"""User-facing errors: one clear paragraph, never a deep traceback."""

from __future__ import annotations


class SalesnbError(Exception):
    """An error the user can fix; its message is the whole story."""


class ParamsError(SalesnbError):
    """A params file is missing, unreadable or invalid."""


class DataError(SalesnbError):
    """Input data makes a report meaningless (missing column, empty file, no deals)."""
