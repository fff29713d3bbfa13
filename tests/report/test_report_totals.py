"""Every total the reports show, checked against the synthetic corpus's ground truth.

The synthetic corpus (``data/raw/synthetic``) lists every form it holds in ``manifest.csv`` with the
project it belongs to, its year and the budget it states (and in which unit, none for a form that
states none). A project files up to three forms a year; the reports must count each project-year
once. The truth here is computed from the manifest alone, by the documented precedence (the
self-evaluation's budget, else the target form's, else the declaration's; a form without a unit
passed over for the next), and compared with ``reports/data/project_years.parquet``, the index
(its summary and every annual row) and the overview and budget-breakdown tables of every annual
page.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parents[2]
SYNTHETIC = ROOT / "data" / "raw" / "synthetic"
PRECEDENCE = {"self_evaluation": 0, "target": 1, "declaration": 2}


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    """One row per project-year of the manifest: department, year and the budget that counts (NaN:
    no form of the project-year states its unit)."""
    manifest = pd.read_csv(SYNTHETIC / "manifest.csv", encoding="utf-8-sig")
    manifest = manifest.assign(rank=manifest["form_type"].map(PRECEDENCE))
    stated = manifest[manifest["budget_unit"].notna()].sort_values("rank", kind="stable")
    budgets = stated.groupby(["project_key", "fiscal_year"])["budget_yuan"].first()
    years = manifest.groupby(["project_key", "fiscal_year"]).agg(department=("department", "first"),
                                                                  project_name=("project_name", "first"))
    return years.join(budgets).reset_index()


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "reports"
    code = "import sys; from budgetlib.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run([sys.executable, "-c", code, "report", str(SYNTHETIC), "--out", str(out), "--jobs", "2",
                           "--no-progress"], capture_output=True, text=True, timeout=1800, check=False)
    assert proc.returncode == 0, proc.stderr
    return out


def _wan(yuan: float) -> float:
    return round(yuan / 10_000, 2)


def _number(text: str) -> float:
    text = text.strip().replace(",", "")
    return math.nan if text in ("", "—") else float(text)


def _per_year(truth: pd.DataFrame, department: str | None = None) -> dict[int, tuple[float, int, int]]:
    """Per year: the budget (万元, 2 places) of the known budgets, the project-years, the unknown ones."""
    part = truth if department is None else truth[truth["department"] == department]
    return {int(year): (_wan(group["budget_yuan"].sum()), len(group), int(group["budget_yuan"].isna().sum()))
            for year, group in part.groupby("fiscal_year")}


def _close(page: float, expected: float) -> bool:
    return abs(page - expected) <= 0.0051  # a page shows 万元 to two places


def test_project_years_file_has_each_project_year_once_with_its_budget(batch, truth) -> None:
    years = pd.read_parquet(batch / "data" / "project_years.parquet")
    assert len(years) == len(truth) == 35
    assert not years.duplicated(["project_key", "fiscal_year"]).any()
    got = years.set_index(["department", "project_name", "fiscal_year"])["budget_yuan"].sort_index()
    expected = truth.set_index(["department", "project_name", "fiscal_year"])["budget_yuan"].sort_index()
    assert [(d, n, int(y)) for d, n, y in got.index] == [(d, n, int(y)) for d, n, y in expected.index]
    assert got.isna().tolist() == expected.isna().tolist()
    assert got.dropna().tolist() == pytest.approx(expected.dropna().tolist(), abs=0.005)


def test_index_summary_gives_each_years_budget_once(batch, truth) -> None:
    page = lxml_html.fromstring((batch / "index.html").read_text(encoding="utf-8"))
    rows = [[td.text_content().strip() for td in tr.xpath("td")]
            for tr in page.xpath("//div[@class='card'][.//th[.='年度']]//tr[td]")]
    expected = _per_year(truth)
    assert [int(r[0]) for r in rows] == sorted(expected)
    for year, budget, projects, unknown in rows:
        assert _close(_number(budget), expected[int(year)][0]), year
        assert (int(projects), int(unknown)) == expected[int(year)][1:], year


def _manifest_reports(batch: Path) -> list[dict]:
    manifest = json.loads((batch / "budgetlib-manifest.json").read_text(encoding="utf-8"))
    return [entry for entry in manifest["reports"] if entry["notebook"] == "annual_report.ipynb"]


def test_every_annual_row_of_the_index_matches_the_truth(batch, truth) -> None:
    page = lxml_html.fromstring((batch / "index.html").read_text(encoding="utf-8"))
    checked = 0
    for tr in page.xpath("//table[@id='annual-table']//tbody/tr"):
        if tr.xpath("string(td[1])").strip() != "年度报告":
            continue
        department, when = (tr.xpath(f"string(td[{i}])").strip() for i in (2, 3))
        expected = _per_year(truth, None if department == "全部部门" else department)
        cell = tr.xpath("td[6]")[0]
        lines = [text.strip() for text in cell.xpath("text()") if text.strip()]
        if when == "全部年度":  # years side by side, never a sum
            assert lines == [f"{year}年 {budget:,.2f}" for year, (budget, _, _) in expected.items()], department
        else:
            year = int(when.removesuffix("年度"))
            assert _close(_number(lines[0]), expected[year][0]), (department, year)
        checked += 1
    assert checked == len(_manifest_reports(batch)) > 20


def _table_after(page, heading: str) -> pd.DataFrame:
    table = page.xpath(f"//h2[starts-with(normalize-space(.), '{heading}')]/following::table[1]")[0]
    columns = [th.text_content().strip() for th in table.xpath(".//thead//th")]
    rows = [[td.text_content().strip() for td in tr.xpath("td")] for tr in table.xpath(".//tbody/tr")]
    return pd.DataFrame(rows, columns=columns)


def test_every_annual_page_totals_each_project_year_once(batch, truth) -> None:
    for entry in _manifest_reports(batch):
        department, year = entry["parameters"]["department"], entry["parameters"]["fiscal_year"]
        page = lxml_html.fromstring((batch / f"{entry['stem']}.html").read_text(encoding="utf-8"))
        expected = _per_year(truth, department)
        if year is not None:
            expected = {year: expected[year]}
        overview = _table_after(page, "总览")
        assert [int(y) for y in overview["年度"]] == list(expected), entry["stem"]
        for _, row in overview.iterrows():
            budget, projects, unknown = expected[int(row["年度"])]
            assert _close(_number(row["预算（万元）"]), budget), (entry["stem"], row["年度"])
            assert (int(row["项目数"]), int(row["当年金额未知项目数"])) == (projects, unknown), entry["stem"]
        if department is None:  # the budget by department and year
            breakdown = _table_after(page, "预算分布")
            for _, row in breakdown.iterrows():
                budget, projects, _ = _per_year(truth, row["项目"])[int(row["年度"])]
                assert _close(_number(row["预算（万元）"]), budget), (entry["stem"], row["项目"], row["年度"])
                assert int(row["项目数"]) == projects
