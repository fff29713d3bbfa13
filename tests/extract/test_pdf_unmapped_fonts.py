"""PDF text in fonts embedded without a Unicode map (no ``/ToUnicode``): pdfminer gives glyph numbers,
``(cid:12)``, instead of characters. A file made only of them is an error that says so
(``E_PDF_TEXT_UNMAPPED``, not "no budget form found"); a few such characters among readable text read
as U+FFFD with ``W_PDF_TEXT_UNMAPPED``, so that no glyph number's digits become part of a value.

The files are the thirteen examples' PDFs with the maps taken out by renaming the ``/ToUnicode`` key
(same length, so the cross-reference table stays right).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from budgetlib.extract.document import Table, TextLine, UnreadableFileError
from budgetlib.extract.pdf import read_pdf

PDFS = sorted((Path(__file__).parent.parent / "fixtures" / "office" / "pdf").glob("*.pdf"))


def without_maps(data: bytes, which: set[int] | None = None) -> bytes:
    """The PDF with the fonts' Unicode maps taken out: all of them, or the ``which``-th (from 0)."""
    starts = [match.start() for match in re.finditer(rb"/ToUnicode", data)]
    out = bytearray(data)
    for index, start in enumerate(starts):
        if which is None or index in which:
            out[start:start + 10] = b"/ToUnicodX"
    return bytes(out)


def texts(path: Path, data: bytes) -> list[str]:
    [document] = read_pdf(data, path.name)
    found: list[str] = []
    for block in document.blocks:
        if isinstance(block, TextLine):
            found.append(block.text)
        elif isinstance(block, Table):
            found.extend(cell for row in block.rows for cell in row)
    return found


@pytest.mark.parametrize("path", PDFS, ids=[path.stem for path in PDFS])
def test_a_pdf_whose_fonts_have_no_unicode_map_is_an_error_saying_so(path: Path) -> None:
    with pytest.raises(UnreadableFileError) as raised:
        read_pdf(without_maps(path.read_bytes()), path.name)
    assert raised.value.code == "E_PDF_TEXT_UNMAPPED"
    assert "Unicode mapping" in str(raised.value)


SMALL_FONT = ["ezhou-2022-office-building-operations-target", "xiangtan-2023-fog-cannon-service-target"]
"""Forms whose first embedded font holds only the four digits of the title's year."""


@pytest.mark.parametrize("stem", SMALL_FONT)
def test_a_few_unmapped_characters_read_as_the_replacement_character_and_are_named(stem: str) -> None:
    path = next(path for path in PDFS if path.stem == stem)
    data = path.read_bytes()
    [document] = read_pdf(without_maps(data, {0}), path.name)
    [note] = document.warnings
    assert note.code == "W_PDF_TEXT_UNMAPPED"
    assert "4 on page 1" in note.message
    before, after = texts(path, data), texts(path, without_maps(data, {0}))
    assert len(before) == len(after)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) == 1
    old, new = changed[0]
    assert "2023年" in old or "2022年" in old
    assert new == re.sub(r"20\d\d", "\ufffd" * 4, old)  # the year's digits, and nothing else
    assert not any("(cid:" in text for text in after)
