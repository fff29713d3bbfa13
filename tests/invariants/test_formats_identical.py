"""One form as markdown, HTML and xlsx gives identical tables.

The HTML and xlsx versions are built from the markdown by the tests (with merged cells, so span
expansion is exercised); every table must then agree value for value, apart from the columns that name
the source (file name, form id, the source's own line/sheet positions, the text encoding).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import budgetlib as bl
from budgetlib.testing import markdown_to_html, markdown_to_xlsx
from tests.conftest import ALL_EXAMPLES, EXAMPLES

SOURCE_COLUMNS = {"form_id", "source_file", "origin", "encoding"}


def _normalised(forms: bl.Forms, table: str) -> pd.DataFrame:
    df = getattr(forms, table)
    return df.drop(columns=[c for c in df.columns if c in SOURCE_COLUMNS]).reset_index(drop=True)


@pytest.fixture(scope="module", params=ALL_EXAMPLES)
def three_formats(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[bl.Forms, ...]:
    name = request.param
    folder = tmp_path_factory.mktemp(Path(name).stem)
    markdown = EXAMPLES / name
    html = folder / (Path(name).stem + ".html")
    html.write_text(markdown_to_html(markdown, merge=True), encoding="utf-8")
    xlsx = folder / (Path(name).stem + ".xlsx")
    xlsx.write_bytes(markdown_to_xlsx(markdown, merge=True))
    return bl.read_form(markdown), bl.read_form(html), bl.read_form(xlsx)


TABLES = ["projects", "funding", "expenditures", "budget_history", "budget_execution", "indicators",
          "stated_totals", "cost_items", "findings", "unparsed", "provenance"]


@pytest.mark.parametrize("table", TABLES)
def test_markdown_html_and_xlsx_give_identical_tables(three_formats: tuple[bl.Forms, ...], table: str) -> None:
    markdown, html, xlsx = three_formats
    for other in (html, xlsx):
        assert other.errors.empty
        pd.testing.assert_frame_equal(_normalised(other, table), _normalised(markdown, table))


def test_the_formats_really_differ_in_their_source(three_formats: tuple[bl.Forms, ...]) -> None:
    markdown, html, xlsx = three_formats
    suffixes = [Path(f.projects["source_file"].iloc[0]).suffix for f in (markdown, html, xlsx)]
    assert suffixes == [".md", ".html", ".xlsx"]
    assert len(markdown.projects) == len(html.projects) == len(xlsx.projects) == 1
