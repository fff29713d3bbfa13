"""Turn the markup inside a cell into plain text, without changing what was written.

Cells in published forms carry ``<p>`` paragraphs and ``<br>`` breaks; both become line breaks.
Other tags are dropped (their text kept), entities are unescaped, runs of spaces (including the
ideographic and no-break spaces) become one space, and blank lines go. Characters are *not*
NFKC-normalised here: full-width punctuation stays as written; matching normalises later.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from budgetlib.caches import TEXT_CACHE_SIZE

_BREAK_TAG = re.compile(r"<\s*(?:br|/?p|/?div|/?li|/?tr)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^<>]*>")
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_NEEDS_CLEANING = re.compile(r"[<&\r\n\t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]| {2}")


_CACHED_CELL_CHARS = 80
"""Cells up to this long are cleaned once per process (labels, headings, figures: the texts that recur
in every form); longer ones, which seldom recur, are cleaned each time and not kept."""


def clean_cell(raw: str) -> str:
    """Plain text of a cell's markup: one line per paragraph or ``<br>``, spaces collapsed.

    >>> clean_cell("<p>1、维护 123 家；</p> <p>2、接入</p>")
    '1、维护 123 家；\\n2、接入'
    """
    if not raw:
        return ""
    if len(raw) <= _CACHED_CELL_CHARS:
        return _clean_short_cell(raw)
    return _clean_cell(raw)


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _clean_short_cell(raw: str) -> str:
    return _clean_cell(raw)


def _clean_cell(raw: str) -> str:
    stripped = raw.strip(" ")
    if not _NEEDS_CLEANING.search(stripped):
        return stripped  # the common case: plain text, nothing to undo
    text = raw
    if "<" in text:
        text = _COMMENT.sub("", text)
        text = _BREAK_TAG.sub("\n", text)
        text = _ANY_TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return clean_text(text)


def clean_cells(cells: list[str]) -> list[str]:
    """:func:`clean_cell` of every cell of a row (one call a row: readers clean every cell of a file).

    >>> clean_cells(["项目名称", "", "<p>区电子政务</p>"])
    ['项目名称', '', '区电子政务']
    """
    short, cached = _CACHED_CELL_CHARS, _clean_short_cell
    return [(cached(raw) if len(raw) <= short else _clean_cell(raw)) if raw else "" for raw in cells]


def clean_text(text: str) -> str:
    """Collapse spaces on each line, drop control characters and blank lines.

    The usual text needs none of it and leaves at once: ``isprintable`` is false for every character
    this would change (controls, line breaks, tabs, no-break, ideographic and zero-width spaces), so
    only runs of plain spaces remain to look for.

    >>> clean_text("  区电子政务 "), clean_text("a\\u3000\\u3000b\\r\\n\\r\\n c"), clean_text("a  b")
    ('区电子政务', 'a b\\nc', 'a b')
    """
    stripped = text.strip(" ")
    if stripped.isprintable() and "  " not in stripped:
        return stripped
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if "\n" not in text:
        return _SPACES.sub(" ", text).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join([line for line in lines if line])
