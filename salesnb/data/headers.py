"""Header matching: a column named in params finds its header in a client's file.

Exports spell the same header many ways (``Opportunity Owner``, ``opportunity_owner``,
``OPPORTUNITY-OWNER``, ``Opportunity Owner `` or, from Chinese tools, ``负责人（销售）`` with
full-width brackets). A name is matched exactly first, else after :func:`normalise_header`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from salesnb.errors import DataError

__all__ = ["match_header", "normalise_header"]


def normalise_header(s: object) -> str:
    """The comparison key of a header: NFKC, casefolded, without spaces or punctuation.

    Letters, digits and symbols (``$``, ``+``, ``=``) are kept; every space, underscore,
    hyphen, bracket, colon, question mark and the like (full-width ones included, NFKC maps
    ``（`` to ``(``) is dropped.

    >>> normalise_header("Opportunity Owner ")
    'opportunityowner'
    >>> normalise_header("OPPORTUNITY-OWNER") == normalise_header("opportunity_owner")
    True
    >>> normalise_header("负责人（销售）：")
    '负责人销售'
    """
    text = unicodedata.normalize("NFKC", str(s)).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZC")


def match_header(name: str, headers: Iterable[object]) -> str | None:
    """The header of ``headers`` that ``name`` refers to, or ``None``.

    An exact match wins; otherwise the single header equal to ``name`` after
    :func:`normalise_header`. Two different headers that both normalise to ``name``'s key
    (and neither is exact) are ambiguous: :class:`~salesnb.errors.DataError` names both.

    >>> match_header("Deal owner", ["Record ID", "DEAL_OWNER"])
    'DEAL_OWNER'
    >>> match_header("amount", ["Amount", "amount"])
    'amount'
    >>> match_header("stage", ["Deal Stage"]) is None
    True
    """
    listed = [str(h) for h in headers]
    if name in listed:
        return name
    key = normalise_header(name)
    if not key:
        return None
    found = list(dict.fromkeys(h for h in listed if normalise_header(h) == key))
    if not found:
        return None
    if len(found) > 1:
        quoted = ", ".join(repr(h) for h in found)
        raise DataError(
            f"The column {name!r} matches several headers once case, spaces and punctuation "
            f"are ignored: {quoted}. Name the one you mean exactly as it is spelled in the file."
        )
    return found[0]
