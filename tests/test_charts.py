"""Charts: Chinese text renders with the bundled Noto Sans CJK SC face (no tofu, no glyph warnings),
amounts are formatted for print, and the bars show the numbers they are given."""

from __future__ import annotations

import itertools
import logging
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.text import Text

import budgetlib as bl
from budgetlib import charts
from budgetlib.report import sections
from tests.conftest import EXAMPLES, OFFICE_EXAMPLES, SEED, read_example

YOY = pd.DataFrame({
    "label": ["维修(护)费", "维修(护)费", "邮电费", "邮电费"],
    "fiscal_year": [2019, 2020, 2019, 2020],
    "amount_yuan": [300_000.0, 500_000.0, 120_000.0, 280_000.0],
    "change_fraction": [np.nan, 2 / 3, np.nan, 4 / 3],
})
COST_ITEMS = pd.DataFrame({
    "description": ["维护区直各部分电子政务网络，共 123 家，每家每年约 1000 元，打包价约 10 万元",
                    "需使用互联网接入宽带 200M，打折价约 28 万元"],
    "stated_amount_yuan": [100_000.0, 280_000.0],
    "list_amount_yuan": [123_000.0, np.nan],
})
UNIT_COSTS = pd.DataFrame({
    "project_name": ["区直部门电子政务网络", "社区、村外网接入", "雾炮车降尘抑尘服务"],
    "unit_cost_yuan": [813.0, 427.5, 250_000.0],
    "unit_basis": ["元/家/年", "元/家/年", "元/辆"],
})
ATTAINMENT = pd.DataFrame({
    "name": ["安装坡面水标尺", "市民满意度", "服务周期"],
    "attainment": [1.0, 0.9, np.nan],
    "computed_score": [10.0, 8.0, np.nan],
    "weight": [10.0, 10.0, 5.0],
})
TORNADO = pd.DataFrame({
    "driver": ["宽带单价 ±20%", "站点数量 ±10%"],
    "low_total_yuan": [444_000.0, 472_000.0],
    "high_total_yuan": [556_000.0, 528_000.0],
})

CHARTS = {
    "yoy_bars": lambda: charts.yoy_bars(YOY, title="支出明细（按经济分类）"),
    "amount_bars": lambda: charts.amount_bars(
        pd.DataFrame({"label": ["财政拨款收入", "其中：申请当年预算拨款"], "amount_yuan": [500_000.0, 500_000.0]}),
        title="资金来源"),
    "cost_breakdown": lambda: charts.cost_breakdown(COST_ITEMS),
    "unit_cost_comparison": lambda: charts.unit_cost_comparison(UNIT_COSTS),
    "attainment": lambda: charts.attainment(ATTAINMENT),
    "tornado": lambda: charts.tornado(TORNADO, base=500_000.0),
}


def _render_strictly(fig: Figure, path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Save as PNG with every warning an error and matplotlib's font log captured."""
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("error")
        fig.savefig(path)
    font_messages = [r.getMessage() for r in caplog.records if "font" in r.getMessage().lower()]
    assert font_messages == []


def _texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text().strip()]


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_renders_chinese_without_glyph_warnings(name: str, tmp_path: Path, caplog) -> None:
    fig = CHARTS[name]()
    png = tmp_path / f"{name}.png"
    _render_strictly(fig, png, caplog)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    texts = _texts(fig)
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in t.get_text()) for t in texts), "no Chinese text drawn"
    for text in texts:
        assert text.get_fontfamily()[0] == charts.CJK_FAMILY, text.get_text()
        found = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
        assert Path(found) == charts.cjk_font_path()


def test_the_family_is_the_simplified_chinese_face_of_the_collection() -> None:
    charts.use_cjk_font()
    found = font_manager.findfont(font_manager.FontProperties(family=charts.CJK_FAMILY), fallback_to_default=False)
    # the .ttc's first face (index 0) is the Japanese one; SC must be picked by name
    assert found.face_index != 0
    assert font_manager.get_font(found).family_name == "Noto Sans CJK SC"


def test_without_the_cjk_font_the_strict_render_does_fail(tmp_path: Path) -> None:
    """The check above can fail: the default font cannot draw Chinese, and says so."""
    fig = charts.amount_bars(pd.DataFrame({"label": ["财政拨款"], "amount_yuan": [1.0]}))
    for text in _texts(fig):
        text.set_fontfamily(["DejaVu Sans"])
    with warnings.catch_warnings(), pytest.raises(UserWarning, match="missing from font"):
        warnings.simplefilter("error")
        fig.savefig(tmp_path / "tofu.png")


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (12_345_678.0, "万元", "1,234.57"),   # 12,345,678 / 10,000 = 1,234.5678
    (500_000.0, "万元", "50.00"),
    (1_500.0, "元", "1,500"),
    (float("nan"), "万元", "—"),
    (None, "元", "—"),
])
def test_format_money(value, unit: str, expected: str) -> None:
    assert charts.format_money(value, unit) == expected


def test_money_unit_switches_to_wan_from_100000_yuan() -> None:
    assert charts.money_unit([99_999.0, np.nan]) == "元"
    assert charts.money_unit([100_000.0]) == "万元"
    assert charts.money_unit([np.nan]) == "元"


def test_money_axis_ticks_take_decimals_from_the_step() -> None:
    wan = charts.MoneyFormatter("万元")
    assert wan.format_ticks([0.0, 2_000_000.0, 4_000_000.0, 12_000_000.0]) == ["0", "200", "400", "1,200"]
    assert wan.format_ticks([0.0, 5_000.0, 10_000.0]) == ["0.0", "0.5", "1.0"]
    assert charts.MoneyFormatter("元").format_ticks([0.0, 250_000.0]) == ["0", "250,000"]


def test_yoy_bars_draw_the_amounts_given() -> None:
    expenditure = sections.expenditure_table(read_example(SEED))
    fig = charts.yoy_bars(expenditure.rename(columns={"economic_category": "label"}))
    ax = fig.axes[0]
    widths = sorted(round(p.get_width()) for p in ax.patches)
    # the seed's expenditure table: 维修(护)费 440,000 and 邮电费 60,000 in 2020, both 0 in 2019
    assert widths == [0, 0, 60_000, 440_000]
    assert ax.get_legend_handles_labels()[1] == ["2019年", "2020年"]


def test_cost_breakdown_states_the_package_ratio() -> None:
    fig = charts.cost_breakdown(COST_ITEMS)
    labels = [t.get_text() for t in fig.axes[0].texts]
    # 100,000 stated for a list amount of 123 × 1,000 = 123,000: 81.3 %
    assert any("10.00" in t and "81.3%" in t for t in labels)
    assert any(t.strip() == "28.00" for t in labels)


def test_tornado_puts_the_widest_swing_on_top_and_starts_at_the_base() -> None:
    fig = charts.tornado(TORNADO, base=500_000.0)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[-1] == "宽带单价 ±20%"  # swing 112,000 > 56,000: drawn last, i.e. on top
    assert {round(p.get_x()) for p in ax.patches} == {500_000}


def test_unit_costs_get_one_panel_per_basis() -> None:
    fig = charts.unit_cost_comparison(UNIT_COSTS)
    assert [ax.get_xlabel() for ax in fig.axes] == ["单位成本（元/家/年）", "单位成本（元/辆）"]


def test_unknown_amounts_are_left_out_not_drawn_as_zero() -> None:
    fig = charts.amount_bars(pd.DataFrame({"label": ["财政拨款", "其他资金"], "amount_yuan": [500_000.0, np.nan]}))
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["财政拨款"]


def test_a_missing_column_is_named_in_the_error() -> None:
    with pytest.raises(KeyError, match="amount_yuan"):
        charts.yoy_bars(YOY.drop(columns="amount_yuan"))


@pytest.mark.parametrize("n", range(2, 7))
def test_year_colours_get_darker_in_order_so_they_survive_greyscale(n: int) -> None:
    luminance = [0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b in map(to_rgb, charts._ramp(n))]
    assert all(earlier > later + 0.05 for earlier, later in itertools.pairwise(luminance))


def test_a_chart_shows_itself_as_png_titled_by_its_title() -> None:
    fig = CHARTS["tornado"]()
    assert repr(fig) == "图表：敏感性分析"
    assert fig._repr_png_()[:4] == b"\x89PNG"


def test_charts_leave_pyplot_alone() -> None:
    import matplotlib.pyplot as plt

    figures_before = plt.get_fignums()
    CHARTS["yoy_bars"]()
    assert plt.get_fignums() == figures_before


# -- text, titles and a bar that dwarfs the others --------------------------------------------------------

LONG_TITLE = ("预算最大的 12 个项目的年度预算：中江县农业水价综合改革精准补贴和节水奖励项目小型水库水标尺制作安装 "
              "(the largest projects, one budget per project-year)")


def _drawn(fig: Figure):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_a_dollar_sign_in_a_name_is_text_not_mathtext(tmp_path: Path, caplog) -> None:
    from matplotlib import cbook

    data = pd.DataFrame({"label": ["设备 US$5 与 $2 件", "$x^2$ 维护"], "amount_yuan": [300_000.0, 200_000.0]})
    fig = charts.amount_bars(data, title="采购 $ 与 $ 对比")
    _render_strictly(fig, tmp_path / "dollar.png", caplog)  # a mathtext parse would fail on "$ 与 $"
    texts = [t.get_text() for t in _texts(fig)]
    assert not [t for t in texts if cbook.is_math_text(t)]
    shown = [t.replace(r"\$", "$") for t in texts]  # what the reader sees: the escape is dropped when drawn
    assert "设备US$5与$2件" in {"".join(s.split()) for s in shown}  # wrapped over lines
    assert "采购 $ 与 $ 对比" in shown
    assert cbook.is_math_text("设备 US$5 与 $2 件")  # the same text unescaped would be mathtext


def _title_text(fig: Figure, title: str) -> Text:
    """The text artist that shows ``title`` (however it is wrapped)."""
    wanted = "".join(title.replace("$", r"\$").split())
    (found,) = [t for t in _texts(fig) if "".join(t.get_text().split()) == wanted]
    return found


def _overlap(a, b) -> bool:
    return min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)


BUDGETS = pd.DataFrame({"label": ["武汉市青山区教育局", "青神县发展和改革局本级", "武汉市新洲区大数据中心", "中江县水利局"],
                        "amount_yuan": [100_000_000.0, 2_518_900.0, 500_000.0, 200_000.0]})


TITLED = {
    "yoy_bars": lambda title: charts.yoy_bars(YOY, title=title),
    "amount_bars": lambda title: charts.amount_bars(BUDGETS, title=title),
    "cost_breakdown": lambda title: charts.cost_breakdown(COST_ITEMS, title=title),
    "unit_cost_comparison": lambda title: charts.unit_cost_comparison(UNIT_COSTS, title=title),
    "attainment": lambda title: charts.attainment(ATTAINMENT, title=title),
    "tornado": lambda title: charts.tornado(TORNADO, base=500_000.0, title=title),
}


@pytest.mark.parametrize("name", sorted(TITLED))
@pytest.mark.parametrize("title", [LONG_TITLE, "敏感性分析 (sensitivity)"], ids=["long", "short"])
def test_the_title_overlaps_nothing_and_stays_on_the_page(name: str, title: str) -> None:
    fig = TITLED[name](title)
    renderer = _drawn(fig)
    shown = _title_text(fig, title)
    box = shown.get_window_extent(renderer)
    page = fig.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1 and box.y1 <= page.y1, (name, box, page)
    for text in _texts(fig):
        if text is not shown and text.get_visible():
            assert not _overlap(box, text.get_window_extent(renderer)), (name, text.get_text())


def test_one_huge_bar_is_cut_and_labelled_so_the_others_stay_readable() -> None:
    fig = charts.amount_bars(BUDGETS)
    ax = fig.axes[0]
    right = ax.get_xlim()[1]
    # the axis ends a little beyond 2,518,900 (× 1.2 × 1.35), not at 100,000,000
    assert right == pytest.approx(2_518_900.0 * 1.2 * 1.35)
    widths = {round(p.get_width()) for p in ax.patches}
    assert widths == {round(2_518_900.0 * 1.2), 2_518_900, 500_000, 200_000}
    assert min(widths) / right > 0.04  # a visible bar (uncut it would be 0.2 % of the axis)
    labels = [t.get_text() for t in ax.texts]
    assert "10,000.00（截断）" in labels and "251.89" in labels  # the real amount, said to be cut
    assert "截断" in ax.get_xlabel()
    assert len([line for line in ax.lines if line.get_color() == "white"]) == 2  # the break mark


def test_year_bars_cut_the_huge_one_too_and_leave_even_bars_alone() -> None:
    long = pd.DataFrame({"label": ["青山区", "青山区", "中江县"], "fiscal_year": [2020, 2021, 2021],
                         "amount_yuan": [100_000_000.0, 3_000_000.0, 200_000.0]})
    ax = charts.yoy_bars(long).axes[0]
    assert ax.get_xlim()[1] < 10_000_000 and "截断" in ax.get_xlabel()
    assert any(t.get_text() == "10,000.00（截断）" for t in ax.texts)
    even = charts.amount_bars(pd.DataFrame({"label": ["a", "b"], "amount_yuan": [440_000.0, 60_000.0]})).axes[0]
    assert even.get_xlim()[1] > 440_000 and "截断" not in even.get_xlabel()


# ----------------------------------------------------------------------------------------------
# a batch's reports share the charts they draw alike


def _png_drawings(monkeypatch) -> list[bytes]:
    """Record every PNG actually drawn (not read from the batch's folder)."""
    drawn: list[bytes] = []
    draw = charts.ChartFigure._draw_png

    def recording(figure: charts.ChartFigure) -> bytes:
        drawn.append(draw(figure))
        return drawn[-1]

    monkeypatch.setattr(charts.ChartFigure, "_draw_png", recording)
    return drawn


def test_in_a_batch_the_same_chart_is_drawn_once_and_shown_alike(monkeypatch, tmp_path: Path) -> None:
    drawn = _png_drawings(monkeypatch)
    with charts.sharing_drawn_charts(tmp_path / charts.SHARED_CHARTS_FOLDER) as folder:
        first = charts.yoy_bars(YOY, title="年度对比")._repr_png_()
        again = charts.yoy_bars(YOY.copy(), title="年度对比")._repr_png_()
        assert len(drawn) == 1 and first == again
        assert [p.suffix for p in folder.iterdir()] == [".png"]
        other_title = charts.yoy_bars(YOY, title="另一个标题")._repr_png_()
        other_data = charts.yoy_bars(YOY.assign(amount_yuan=YOY["amount_yuan"] * 2), title="年度对比")._repr_png_()
        assert len(drawn) == 3 and len({first, other_title, other_data}) == 3
    assert not folder.exists() and charts.SHARED_CHARTS_VARIABLE not in __import__("os").environ


def test_a_shared_chart_is_the_chart_drawn_alone(tmp_path: Path) -> None:
    alone = charts.cost_breakdown(COST_ITEMS)._repr_png_()
    with charts.sharing_drawn_charts(tmp_path / charts.SHARED_CHARTS_FOLDER):
        charts.cost_breakdown(COST_ITEMS)._repr_png_()
        shared = charts.cost_breakdown(COST_ITEMS)._repr_png_()
    assert shared == alone


@pytest.mark.parametrize("change", [
    lambda fig: fig.axes[0].set_xlim(0, 1e6),
    lambda fig: fig.axes[0].text(0, 0, "另加的字"),
    lambda fig: fig.axes[0].xaxis.label.set_text("改过的轴名"),
    lambda fig: fig.set_size_inches(4, 3),
])
def test_a_chart_changed_after_it_was_made_is_drawn_as_changed(monkeypatch, change, tmp_path: Path) -> None:
    drawn = _png_drawings(monkeypatch)
    with charts.sharing_drawn_charts(tmp_path / charts.SHARED_CHARTS_FOLDER) as folder:
        plain = charts.yoy_bars(YOY)._repr_png_()
        changed = charts.yoy_bars(YOY)
        change(changed)
        assert changed._repr_png_() != plain
        assert len(drawn) == 2 and len(list(folder.iterdir())) == 1


def test_outside_a_batch_nothing_is_shared(monkeypatch) -> None:
    monkeypatch.delenv(charts.SHARED_CHARTS_VARIABLE, raising=False)
    drawn = _png_drawings(monkeypatch)
    charts.amount_bars(pd.DataFrame({"label": ["甲"], "amount_yuan": [1.0]}))._repr_png_()
    charts.amount_bars(pd.DataFrame({"label": ["甲"], "amount_yuan": [1.0]}))._repr_png_()
    assert len(drawn) == 2


def test_a_folder_gone_mid_batch_only_stops_the_sharing(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(charts.SHARED_CHARTS_VARIABLE, str(tmp_path / "gone"))
    png = charts.amount_bars(pd.DataFrame({"label": ["甲"], "amount_yuan": [1.0]}))._repr_png_()
    assert png[:4] == b"\x89PNG"


def test_a_given_folder_is_shared_for_the_batch_and_removed_after(tmp_path: Path, monkeypatch) -> None:
    drawn = _png_drawings(monkeypatch)
    shared = tmp_path / "out" / ".shared-charts"
    with charts.sharing_drawn_charts(shared) as folder:
        assert folder == shared and shared.is_dir()
        charts.yoy_bars(YOY)._repr_png_()
        charts.share_drawn_charts_in(None)  # a process told to stop sharing draws its own
        charts.yoy_bars(YOY)._repr_png_()
        charts.share_drawn_charts_in(shared)  # a cluster worker given the batch's folder
        charts.yoy_bars(YOY)._repr_png_()
        assert len(drawn) == 2 and len(list(shared.iterdir())) == 1
    assert not shared.exists() and (tmp_path / "out").is_dir()


# ----------------------------------------------------------------------------------------------
# blank figures built before a batch forks


@pytest.fixture
def no_blank_figures():
    charts._BLANK_FIGURES.clear()
    yield
    charts._BLANK_FIGURES.clear()


def _project_report_charts() -> list[Callable[[], Figure | None]]:
    """The charts of every example form's project report, as the report notebook makes them."""
    forms = bl.read_forms([EXAMPLES / name for name in OFFICE_EXAMPLES])
    made: list[Callable[[], Figure | None]] = []
    for form_id in forms.projects["form_id"]:
        form = sections.one_form(forms, form_id)
        funding, expenditure = sections.funding_lines(form), sections.expenditure_table(form)
        costs, history = sections.cost_basis(form), sections.budget_history(form)
        yoy, scored = sections.project_yoy(forms, form), sections.scores(form)
        made += [lambda t=funding: sections.funding_chart(t), lambda t=expenditure: sections.expenditure_chart(t),
                 lambda t=costs: sections.cost_chart(t), lambda t=history: sections.budget_history_chart(t),
                 lambda t=yoy: sections.yoy_chart(t, "project_name", title="本项目年度对比"),
                 lambda s=scored, f=form: sections.attainment_chart(s, f)]
    return made


def test_a_chart_on_a_blank_figure_is_the_chart_on_a_new_one(no_blank_figures) -> None:
    made = [*_project_report_charts(), *CHARTS.values()]
    on_new, on_blank = [], []
    for make in made:
        charts._BLANK_FIGURES.clear()
        fig = make()
        if fig is None:
            continue
        on_new.append(fig._draw_png())
        charts.make_blank_figures(1)
        blank = charts._BLANK_FIGURES[0][0]
        fig = make()
        assert fig is not None
        on_blank.append(fig._draw_png())
        if not isinstance(fig, charts.ChartFigure) or len(fig.axes) != 1:
            continue  # the unit-cost panels build their own figure
        assert fig is blank and charts._BLANK_FIGURES == []
    assert len(on_new) > 40  # every example form's charts, not a few
    assert on_blank == on_new


def test_a_changed_setting_makes_the_chart_build_its_own_figure(no_blank_figures) -> None:
    data = pd.DataFrame({"label": ["财政拨款", "其他资金"], "amount_yuan": [500_000.0, 20_000.0]})
    charts.make_blank_figures(2)
    blanks = [fig for fig, _ in charts._BLANK_FIGURES]
    with matplotlib.rc_context({"xtick.labelsize": 20, "axes.linewidth": 3}):
        changed = charts.amount_bars(data)
        assert changed not in blanks and len(charts._BLANK_FIGURES) == 2
        changed_png = changed._draw_png()
        charts._BLANK_FIGURES.clear()
        assert charts.amount_bars(data)._draw_png() == changed_png
    charts.make_blank_figures(1)
    assert charts.amount_bars(data)._draw_png() != changed_png


def test_when_the_blank_figures_run_out_charts_build_their_own(no_blank_figures) -> None:
    data = pd.DataFrame({"label": ["财政拨款"], "amount_yuan": [500_000.0]})
    alone = charts.amount_bars(data)._draw_png()
    charts.make_blank_figures(1)
    first, second = charts.amount_bars(data), charts.amount_bars(data)
    assert charts._BLANK_FIGURES == [] and first is not second
    assert first._draw_png() == second._draw_png() == alone


def test_the_warm_report_process_holds_blank_figures_for_its_children() -> None:
    code = ("from budgetlib.report import engine; from budgetlib import charts; engine.prewarm(); "
            "print(len(charts._BLANK_FIGURES), engine.BLANK_FIGURES)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    held, expected = done.stdout.split()
    assert held == expected and int(held) >= 7
