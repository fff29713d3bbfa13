"""PDF pages whose text is drawn turned (a landscape table set sideways on a portrait page, or a page
printed upside down) are read turned upright, with ``W_PDF_PAGE_TURNED``; before, such a page read as
columns of single characters and no form was found.

The turned files are the thirteen examples' PDFs with every page (or one page) turned by pdfium, which
is what a landscape page of a 决算公开 report looks like to pdfminer: characters whose text matrix runs
top to bottom, bottom to top, or upside down.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
import pytest

from budgetlib.extract.pdf import _sideways_turn, read_pdf
from budgetlib.testing import compare_documents

PDFS = sorted((Path(__file__).parent.parent / "fixtures" / "office" / "pdf").glob("*.pdf"))


def turned(data: bytes, degrees: int, pages: set[int] | None = None) -> bytes:
    """The PDF with the given pages (all if None, numbered from 1) turned ``degrees`` clockwise."""
    pdf = pypdfium2.PdfDocument(data)
    for number, page in enumerate(pdf, start=1):
        if pages is None or number in pages:
            page.set_rotation(degrees)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize("degrees", [90, 180, 270])
@pytest.mark.parametrize("path", PDFS, ids=[path.stem for path in PDFS])
def test_a_turned_form_reads_as_the_upright_one(path: Path, degrees: int) -> None:
    data = path.read_bytes()
    [upright] = read_pdf(data, path.name)
    [read] = read_pdf(turned(data, degrees), path.name)
    assert compare_documents(upright, read) == []
    assert [note.code for note in upright.warnings] == []
    [note] = read.warnings
    assert note.code == "W_PDF_PAGE_TURNED"


def test_only_the_turned_page_is_named_and_a_table_still_joins_over_the_page_break() -> None:
    path = next(path for path in PDFS if path.name.startswith("zhongjiang-2022"))
    data = path.read_bytes()
    [upright] = read_pdf(data, path.name)
    [read] = read_pdf(turned(data, 90, pages={2}), path.name)
    assert len(pypdfium2.PdfDocument(data)) >= 2
    assert compare_documents(upright, read) == []
    [note] = read.warnings
    assert "page(s) 2 runs" in note.message


def chars(upright: int, sideways: int, spaces: int = 0) -> list[dict[str, object]]:
    return ([{"text": "字", "matrix": (10.5, 0, 0, 10.5, 0, 0)}] * upright
            + [{"text": "字", "matrix": (0, 10.5, -10.5, 0, 0, 0)}] * sideways
            + [{"text": " ", "matrix": (10.5, 0, 0, 10.5, 0, 0)}] * spaces)


@pytest.mark.parametrize(("upright", "sideways", "spaces", "turn"), [
    (0, 40, 0, 90),      # all of the text runs bottom to top
    (4, 36, 0, 90),      # an upright page number and heading beside a sideways table
    (20, 20, 0, 0),      # half and half: no direction the page is read in
    (30, 10, 0, 0),      # a sideways stamp or margin note on an upright page
    (0, 10, 30, 90),     # spaces have no direction and do not count
])
def test_a_page_is_turned_only_when_most_of_its_text_runs_one_turned_way(
    upright: int, sideways: int, spaces: int, turn: int
) -> None:
    assert _sideways_turn(chars(upright, sideways, spaces)) == turn
