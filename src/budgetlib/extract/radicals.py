"""CJK radical characters read as the ideographs they show: ``项⽬`` is 项目, ``意⻅`` is 意见.

Many PDF producers (Chromium's print to PDF, some Word and WPS exports) map the glyphs of common
ideographs to the code points of the Kangxi Radicals (U+2F00-U+2FD5) and CJK Radicals Supplement
(U+2E80-U+2EFF) blocks in the font's ToUnicode table. The page shows 项目, the text layer says 项⽬
(U+2F6C), and text copied from such a PDF into a workbook or a Word form carries the same code points.
They look identical but compare unequal, so a project name, a department or an indicator read from such a
file would never match the same name from another file, and labels such as 审核意⻅ would not be
recognised. A budget form has no use for a radical as such; each one read is replaced by its equivalent
unified ideograph (Unicode's Equivalent_Unified_Ideograph property: NFKC for the Kangxi block,
``data/radical_ideographs.csv`` for the supplement, which NFKC leaves alone), and ``W_RADICALS_READ``
counts them and shows a few, so that the change is never silent.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from budgetlib.extract.document import Document, Table, TextLine
from budgetlib.notices import Notice
from budgetlib.vocabulary import table

_RADICAL = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
MAX_SHOWN = 6
"""Distinct replacements shown in the warning's message."""


@cache
def ideograph_of() -> dict[int, str]:
    """Code point of a radical -> the ideograph it stands for (for :meth:`str.translate`)."""
    mapping = {ord(row["radical"]): row["ideograph"] for row in table("radical_ideographs.csv")}
    for code in range(0x2F00, 0x2FD6):
        ideograph = unicodedata.normalize("NFKC", chr(code))
        if ideograph != chr(code):
            mapping[code] = ideograph
    return mapping


def standardize_radicals(document: Document) -> Document:
    """The document with every radical that has an equivalent ideograph replaced by it, in place, and a
    ``W_RADICALS_READ`` warning when there was one (see the module docstring). A radical with no
    equivalent (U+2E80, U+2E9A) stays as written."""
    if not any(_RADICAL.search(_text_of(block)) for block in document.blocks):
        return document
    mapping = ideograph_of()
    seen: dict[str, str] = {}
    count = 0

    def fix(text: str) -> str:
        nonlocal count
        if not _RADICAL.search(text):
            return text
        for radical in _RADICAL.findall(text):
            if ord(radical) in mapping:
                count += 1
                seen.setdefault(radical, mapping[ord(radical)])
        return text.translate(mapping)

    for block in document.blocks:
        if isinstance(block, TextLine):
            block.text = fix(block.text)
        else:
            block.rows = [[fix(cell) for cell in row] for row in block.rows]
    if count:
        shown = ", ".join(f"{radical} → {ideograph}" for radical, ideograph in list(seen.items())[:MAX_SHOWN])
        more = f" and {len(seen) - MAX_SHOWN} more" if len(seen) > MAX_SHOWN else ""
        document.warnings.append(Notice(
            "W_RADICALS_READ",
            f"{count} character(s) written as CJK radicals were read as the ideographs they show ({shown}{more}): "
            "the file's text layer (often a PDF's font mapping, or text copied from such a PDF) uses radical "
            "code points that look like, but are not, the ideographs",
        ))
    return document


def _text_of(block: Table | TextLine) -> str:
    """All of a block's text in one string, for one search in C instead of one a cell."""
    if isinstance(block, TextLine):
        return block.text
    return "".join(map("".join, block.rows))
