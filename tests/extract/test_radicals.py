"""Characters written as CJK radicals (项⽬, 意⻅: a PDF's font mapping, or text copied from such a PDF)
read as the ideographs they show, in every format, with ``W_RADICALS_READ``.

Before, the tables of a form read from Chromium's print to PDF held 市⺠中⼼运⾏维护费 and 武汉市⻘⼭区教育局:
names that look right but match nothing read from any other file. The family: the thirteen examples
with every ideograph that has a radical look-alike written as that radical, in markdown and xlsx, and
one example printed to PDF by Chromium (``fixtures/office/pdf-chromium``), read against the example.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.extract.document import Document, Table, TextLine
from budgetlib.extract.radicals import ideograph_of, standardize_radicals
from budgetlib.testing import markdown_to_xlsx
from tests.conftest import ALL_EXAMPLES, EXAMPLES
from tests.invariants.test_formats_identical import TABLES, _normalised

CHROMIUM = Path(__file__).parent.parent / "fixtures" / "office" / "pdf-chromium"


def as_radicals(text: str) -> str:
    """The text with each ideograph that a radical stands for written as that radical (Kangxi first)."""
    radical_of: dict[str, str] = {}
    for code, ideograph in sorted(ideograph_of().items(), reverse=True):
        radical_of[ideograph] = chr(code)  # the lowest code point wins: the supplement before Kangxi
    return "".join(radical_of.get(char, char) for char in text)


@pytest.mark.parametrize("name", ALL_EXAMPLES)
@pytest.mark.parametrize("suffix", [".md", ".xlsx"])
def test_a_form_written_in_radicals_reads_as_the_form(name: str, suffix: str, tmp_path: Path) -> None:
    source = EXAMPLES / name
    text = source.read_text(encoding="utf-8")
    written = as_radicals(text)
    assert written != text
    markdown = tmp_path / source.name
    markdown.write_text(written, encoding="utf-8")
    path = markdown
    if suffix == ".xlsx":
        path = tmp_path / (source.stem + ".xlsx")
        path.write_bytes(markdown_to_xlsx(markdown))
    expected, read = bl.read_form(source), bl.read_form(path)
    for table in TABLES:
        pd.testing.assert_frame_equal(_normalised(read, table), _normalised(expected, table), obj=table)
    codes = read.warnings["code"].tolist()
    assert codes.count("W_RADICALS_READ") == 1
    assert codes.count("W_RADICALS_READ") > expected.warnings["code"].tolist().count("W_RADICALS_READ")


def test_the_warning_counts_and_shows_what_was_replaced() -> None:
    document = Document("a.md", [TextLine(0, "审核意⻅"), Table(0, [["项⽬名称", "⻘⼭区"]])], encoding=None)
    standardize_radicals(document)
    assert document.blocks[0].text == "审核意见"  # type: ignore[union-attr]
    assert document.blocks[1].rows == [["项目名称", "青山区"]]  # type: ignore[union-attr]
    [note] = document.warnings
    assert note.code == "W_RADICALS_READ"
    assert note.message.startswith("4 character(s)")
    assert "⻅ → 见" in note.message and "⽬ → 目" in note.message


def test_a_radical_without_an_equivalent_ideograph_stays_and_is_not_counted() -> None:
    document = Document("a.md", [TextLine(0, "⺀项目")], encoding=None)  # U+2E80 has no equivalent
    standardize_radicals(document)
    assert document.blocks[0].text == "⺀项目"  # type: ignore[union-attr]
    assert document.warnings == []


def test_a_form_printed_to_pdf_by_chromium_reads_its_names_as_the_form() -> None:
    pdf = CHROMIUM / "jinzhai-2021-property-management-target.pdf"
    read = bl.read_form(pdf)
    expected = bl.read_form(EXAMPLES / (pdf.stem + ".md"))
    columns = ["project_name", "department", "fiscal_year", "project_code"]
    pd.testing.assert_frame_equal(read.projects[columns], expected.projects[columns])
    names = read.indicators["name"].tolist()
    assert names == expected.indicators["name"].tolist()
    assert "W_RADICALS_READ" in read.warnings["code"].tolist()
