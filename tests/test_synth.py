"""The synthetic corpus: deterministic, labelled, readable, its quirks present and read as they should
be, and the year-over-year analyses agreeing with the generator's own ground truth."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import budgetlib as bl
from budgetlib.synth import DEFAULT_QUIRK_RATES, MARK, SyntheticCorpus, generate_corpus, main, read_manifest
from tests.analysis.truth import expected_project_years

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "synthetic"
YEARS = (2020, 2021, 2022)


Corpus = tuple[bl.Forms, SyntheticCorpus]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Default quirk rates, every department template once, three years."""
    made = generate_corpus(tmp_path_factory.mktemp("corpus"), n_departments=7, years=YEARS, seed=11)
    return bl.read_forms([made.out_dir]), made


@pytest.fixture(scope="module", params=["generated", "committed sample"])
def multi_year(request: pytest.FixtureRequest, corpus: Corpus) -> Corpus:
    """The generated corpus, and the sample committed in data/raw/synthetic with its manifest."""
    if request.param == "generated":
        return corpus
    return bl.read_forms([SAMPLE]), read_manifest(SAMPLE)


@pytest.fixture(scope="module")
def quirky(tmp_path_factory: pytest.TempPathFactory) -> tuple[bl.Forms, pd.DataFrame]:
    """Every quirk in every form it can be in (half the target forms without a unit)."""
    rates = {**dict.fromkeys(DEFAULT_QUIRK_RATES, 1.0), "no_unit": 0.5, "price_outlier": 0.0}
    made = generate_corpus(tmp_path_factory.mktemp("quirky"), n_departments=7, years=(2021, 2022), seed=3,
                           quirk_rates=rates)
    return bl.read_forms([made.out_dir]), made.files


def by_file(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(file=df["form_id"].str.rsplit("#", n=1).str[0])


def files_with(manifest: pd.DataFrame, quirk: str) -> set[str]:
    return set(manifest.loc[manifest["quirks"].str.split(";").map(lambda q: quirk in q), "file"])


# -- determinism and labels -----------------------------------------------------------------------------


def test_same_arguments_same_bytes(tmp_path: Path) -> None:
    first = generate_corpus(tmp_path / "a", n_departments=3, years=(2021, 2022), seed=5)
    second = generate_corpus(tmp_path / "b", n_departments=3, years=(2021, 2022), seed=5)
    names = sorted(p.relative_to(first.out_dir) for p in first.out_dir.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second.out_dir) for p in second.out_dir.rglob("*") if p.is_file())
    assert {p.suffix for p in names} == {".md", ".html", ".xlsx", ".csv"}
    for name in names:
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes(), name
    other = generate_corpus(tmp_path / "c", n_departments=3, years=(2021, 2022), seed=6)
    assert not other.files.equals(first.files)


def test_the_committed_sample_is_the_generator_output(tmp_path: Path) -> None:
    """data/raw/synthetic is ``python -m budgetlib.synth data/raw/synthetic`` (default arguments)."""
    assert main([str(tmp_path)]) == 0
    committed = sorted(p.relative_to(SAMPLE) for p in SAMPLE.rglob("*") if p.is_file())
    assert committed == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for name in committed:
        assert (SAMPLE / name).read_bytes() == (tmp_path / name).read_bytes(), name
    assert 20 <= len(committed) <= 80
    assert sum((SAMPLE / name).stat().st_size for name in committed) < 400_000


def test_every_file_says_it_is_synthetic(corpus: Corpus) -> None:
    forms, made = corpus
    assert forms.projects["form_title"].str.contains(MARK).all()
    for row in made.files.itertuples():
        data = (made.out_dir / row.file).read_bytes()
        if row.format == "xlsx":
            workbook = load_workbook(io.BytesIO(data))
            assert MARK in workbook.properties.title and workbook.properties.subject == MARK
            assert workbook.active.cell(1, 1).value.startswith(f"{MARK}（SYNTHETIC）")
        elif row.format == "html":
            assert data.decode("utf-8").splitlines()[1].startswith(f"<!-- {MARK}（SYNTHETIC）")
        else:
            assert data.decode("utf-8").startswith(f"<!-- {MARK}（SYNTHETIC）")


# -- reading it -----------------------------------------------------------------------------------------


def test_reads_without_errors_and_as_generated(corpus: Corpus) -> None:
    forms, made = corpus
    manifest = made.files
    assert forms.errors.empty
    assert len(forms.projects) == len(manifest)
    read = by_file(forms.projects).set_index("file")
    truth = manifest.set_index("file")
    assert (read.loc[truth.index, "form_type"] == truth["form_type"]).all()
    assert (read.loc[truth.index, "fiscal_year"] == truth["fiscal_year"]).all()
    assert (read.loc[truth.index, "department"] == truth["department"]).all()
    assert (read.loc[truth.index, "project_name"] == truth["project_name"]).all()
    stated = truth["budget_unit"] != ""
    got = read.loc[truth.index[stated], "current_year_budget_yuan"]
    assert got.to_numpy() == pytest.approx(truth.loc[stated, "budget_yuan"].to_numpy())
    assert read.loc[truth.index[~stated], "current_year_budget_yuan"].isna().all()  # no unit: unknown, not guessed
    assert {"declaration", "target", "self_evaluation"} <= set(truth["form_type"])
    assert set(truth["format"]) == {"md", "html", "xlsx"}
    assert truth.groupby("project_key")["fiscal_year"].nunique().max() == len(YEARS)  # projects recur


def test_cost_items_add_up_to_each_declaration(corpus: Corpus) -> None:
    forms, made = corpus
    manifest = made.files
    sums = by_file(forms.cost_items).groupby("file")["amount_yuan"].sum()
    declarations = manifest[manifest["form_type"] == "declaration"].set_index("file")
    assert sums.loc[declarations.index].to_numpy() == pytest.approx(declarations["budget_yuan"].to_numpy())
    assert by_file(forms.findings).query("check_id == 'C8'").empty


def test_expenditures_are_read_as_written(corpus: Corpus) -> None:
    forms, made = corpus
    lines = made.expenditures
    read = by_file(forms.expenditures)[["file", "economic_category", "fiscal_year", "amount_yuan"]]
    merged = lines.merge(read, on=["file", "economic_category", "fiscal_year"], how="outer", indicator=True,
                         suffixes=("", "_read"))
    assert (merged["_merge"] == "both").all()
    assert merged["amount_yuan_read"].to_numpy() == pytest.approx(merged["amount_yuan"].to_numpy())


# -- the quirks -----------------------------------------------------------------------------------------


def test_every_quirk_is_generated(quirky: tuple[bl.Forms, pd.DataFrame]) -> None:
    _, manifest = quirky
    present = set(manifest["quirks"].str.split(";").explode())
    assert present >= set(DEFAULT_QUIRK_RATES) - {"price_outlier"}


def test_quirks_are_read_as_they_should_be(quirky: tuple[bl.Forms, pd.DataFrame]) -> None:
    forms, manifest = quirky
    assert forms.errors.empty
    indicators = by_file(forms.indicators)
    # merged cells: every indicator inherits its level labels
    assert indicators["level1"].notna().all() and indicators["level2"].notna().all()
    # a label split over two rows is joined
    split = indicators[indicators["file"].isin(files_with(manifest, "split_label"))]
    assert (split["level2"] == "社会公众或服务对象满意度指标").sum() == len(files_with(manifest, "split_label"))
    # older template: satisfaction under 效益, still canonical satisfaction
    old = indicators[indicators["file"].isin(files_with(manifest, "satisfaction_under_benefit"))
                     & (indicators["level2_std"] == "服务对象满意度指标")]
    assert len(old) and (old["level1"] == "效益指标").all() and (old["level1_std"] == "满意度指标").all()
    # separate 指标性质 / 指标值 / 度量单位 columns: comparator and unit come from their own columns
    three = indicators[indicators["file"].isin(files_with(manifest, "three_column_target"))
                       & (indicators["target_kind"] == "quantitative")]
    assert len(three) and three["comparator"].notna().all() and three["unit"].notna().all()
    # actuals: an empty one stays NA with no score; an operator is read
    empty = indicators[indicators["file"].isin(files_with(manifest, "empty_actual")) & indicators["actual_text"].isna()]
    assert len(empty) and empty["actual_value"].isna().all() and empty["score"].isna().all()
    assert indicators["actual_comparator"].notna().any()
    # placeholders left in the template end in unparsed, not as indicators
    assert not indicators["name"].isin(["指标2", "……"]).any()
    assert {"指标2", "……"} <= set(forms.unparsed["text"])
    # amounts without a unit stay unknown
    projects = by_file(forms.projects)
    no_unit = projects[projects["file"].isin(files_with(manifest, "no_unit"))]
    assert len(no_unit) and no_unit["current_year_budget_yuan"].isna().all()
    assert no_unit["budget_as_written"].notna().all()
    # the shifted 7th funding line is still read
    funding = by_file(forms.funding)
    shifted = funding[funding["file"].isin(files_with(manifest, "shifted_row"))]
    assert (shifted["source_name"] == "一般非税上年结转").sum() == len(files_with(manifest, "shifted_row"))
    # a budget-execution row of zeros is kept as zeros
    execution = by_file(forms.budget_execution)
    zeros = execution[execution["file"].isin(files_with(manifest, "execution_zero_row"))
                      & (execution["fund_line"] == "其他资金")]
    assert len(zeros) and (zeros["executed_yuan"] == 0).all()


def test_quirks_are_found_by_the_review(quirky: tuple[bl.Forms, pd.DataFrame]) -> None:
    forms, manifest = quirky
    findings = by_file(forms.findings)

    def flagged(check_id: str, variant_text: str = "") -> set[str]:
        rows = findings[(findings["check_id"] == check_id) & findings["message"].str.contains(variant_text)]
        return set(rows["file"])

    declarations = set(manifest.loc[manifest["form_type"] == "declaration", "file"])
    with_prior = set(manifest.loc[manifest["stated_prior_yuan"].notna(), "file"]) & declarations
    assert with_prior and with_prior <= flagged("C12", "列合计 0 元")  # prior-year column of zeros
    assert declarations <= flagged("C10", "「合计」写明")  # 合计 ≠ sum of lines
    with_lines = {f for f in declarations if "p1" in f and f.split("/")[1].startswith(("036001", "036003"))}
    assert with_lines and with_lines <= flagged("C11", "应列「邮电费」")  # broadband under 维修(护)费
    satisfaction_100 = files_with(manifest, "satisfaction_100")
    assert satisfaction_100 <= flagged("C5")
    assert files_with(manifest, "bare_number_target") <= flagged("C4", "方向不明")


def test_outlying_prices_are_marked(tmp_path: Path) -> None:
    made = generate_corpus(tmp_path, n_departments=14, years=(2020, 2021, 2022), seed=2,
                           quirk_rates={"price_outlier": 0.15})
    forms = bl.read_forms([made.out_dir])
    table = by_file(bl.unit_costs(forms))
    marked = set(table.loc[table["is_outlier"].fillna(False).astype(bool), "file"])
    assert marked and marked <= files_with(made.files, "price_outlier")


# -- year over year against the ground truth ------------------------------------------------------------


def test_yoy_by_department_matches_the_truth(multi_year: Corpus) -> None:
    forms, made = multi_year
    manifest = made.files
    # one budget per project-year, by the documented precedence (self-evaluation, target form, declaration)
    known = expected_project_years(manifest).rename(columns={"budget_yuan": "amount"})

    def total(department: str, year: int) -> float | None:
        rows = known[(known["department"] == department) & (known["fiscal_year"] == year)]
        if rows.empty:
            return None
        return None if rows["amount"].isna().any() else float(rows["amount"].sum())

    df = bl.yoy(forms, by="department")
    first_year = int(manifest["fiscal_year"].min())
    checked = 0
    for row in df[df["fiscal_year"] > first_year].itertuples():
        if known[(known["department"] == row.department) & (known["fiscal_year"] == row.prior_year)].empty:
            assert row.prior_basis != "earlier_form"  # a department whose projects all start this year
            continue
        expected_now, expected_before = total(row.department, row.fiscal_year), total(row.department, row.prior_year)
        assert row.prior_basis == "earlier_form"
        for got, expected in ((row.current_yuan, expected_now), (row.prior_yuan, expected_before)):
            if expected is None:
                assert math.isnan(got), row
            else:
                assert got == pytest.approx(expected), row
        checked += 1
    assert checked >= 10
    assert df["n_unknown"].sum() == (known["amount"].isna()).sum()


def test_yoy_by_economic_category_matches_the_truth(multi_year: Corpus) -> None:
    forms, made = multi_year
    manifest, lines = made.files, made.expenditures
    declarations = manifest[manifest["form_type"] == "declaration"][["file", "project_key", "fiscal_year"]]
    lines = lines.merge(declarations.rename(columns={"fiscal_year": "form_year"}), on="file")
    own = lines[lines["fiscal_year"] == lines["form_year"]]
    expected: dict[tuple[str, int], list[float]] = {}
    for (project, year), now in own.groupby(["project_key", "form_year"]):
        earlier = own[(own["project_key"] == project) & (own["form_year"] == year - 1)]
        before = earlier if len(earlier) else lines[(lines["file"] == now["file"].iloc[0])
                                                    & (lines["fiscal_year"] == year - 1)]
        for category, amount in zip(now["economic_category"], now["amount_yuan"], strict=True):
            expected.setdefault((category, year), [0.0, 0.0])[1] += amount
        for category, amount in zip(before["economic_category"], before["amount_yuan"], strict=True):
            expected.setdefault((category, year), [0.0, 0.0])[0] += amount
    df = bl.yoy(forms, by="economic_category")
    got = {(r.economic_category, r.fiscal_year): [r.prior_yuan, r.current_yuan] for r in df.itertuples()}
    assert set(got) == set(expected)
    for key, (prior, current) in expected.items():
        assert got[key] == pytest.approx([prior, current]), key


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown quirks"):
        generate_corpus(tmp_path, quirk_rates={"typo": 1.0})
    with pytest.raises(ValueError, match="formats"):
        generate_corpus(tmp_path, formats=("pdf",))
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path), "--quirk", "typo=1"])
    assert exit_info.value.code == 2


def test_read_manifest_round_trip(tmp_path: Path) -> None:
    made = generate_corpus(tmp_path, n_departments=2, years=(2022,), seed=1)
    again = read_manifest(tmp_path)
    assert list(again.files["file"]) == list(made.files["file"])
    assert again.files["department_code"].iloc[0] == "036001"  # a code, not the number 36001
