"""Executed notebooks → self-contained HTML pages, and the batch's index page.

Reports are read on government networks that are often cut off from the internet (政务外网), so a
page must not fetch anything: nbconvert's lab template links require.js, MathJax and mermaid from a
CDN and the widget manager from unpkg; ``templates/report.html.j2`` empties those blocks and strips
the URL-bearing comments from the inlined CSS. Figures are PNG data URIs already (and markdown
attachments are embedded with ``embed_images``). Code cells are left out: a report shows prose,
tables and charts; the executed .ipynb beside it keeps the code as the audit log.

The exporter is built once per process (template compilation is most of the first export's cost).
nbconvert and nbformat are imported on first use: they take half a second to import, and this module
is loaded with every ``budgetlib.report`` import, also by processes that write no page.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

TEMPLATES = Path(str(resources.files("budgetlib") / "templates"))
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def strip_css_comments(css: str) -> str:
    """CSS without its comments (the lab theme's comments cite URLs; a report should contain none)."""
    return Markup(_CSS_COMMENT.sub("", str(css)))


@cache
def _exporter_class() -> type:
    """nbconvert's HTML exporter less two passes a report page does not need (together 60 % of an
    export, measured on the shipped data: 126 → 45 ms a page):

    - the notebook is validated against the schema once, after the last preprocessor, rather than
      after each of the thirteen (papermill validated it already when writing the .ipynb);
    - the page is not parsed again with BeautifulSoup to give images a default ``alt`` (the report
      template writes each chart's own alternative text) and outputs a ``tabindex``
      (:func:`focusable_outputs` does, on the page's text).
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def _validate_preprocessor(self, nbc: Any, preprocessor: Any) -> None:
            if preprocessor is self._preprocessors[-1]:
                super()._validate_preprocessor(nbc, preprocessor)

        def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None,  # type: ignore[override]
                               **kw: Any) -> tuple[str, dict[str, Any]]:
            # HTMLExporter.from_notebook_node without its BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code",
                                 self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type",
                                 WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                       resources=resources))
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return focusable_outputs(page), resources

    return ReportExporter


_OUTPUT_DIV = re.compile(r'<div class="(?=[^"]*\bjp-OutputArea-output\b)([^"]*)"(?![^>]*\btabindex=)')


def focusable_outputs(page: str) -> str:
    """Every output of the page reachable with the keyboard (``tabindex="0"``), as nbconvert's
    exporter makes them: a wide table or a long text scrolls, and a reader without a mouse must be
    able to focus it to scroll it.

    >>> focusable_outputs('<div class="jp-OutputArea-output jp-RenderedHTML"><p>x</p></div>')
    '<div class="jp-OutputArea-output jp-RenderedHTML" tabindex="0"><p>x</p></div>'
    >>> focusable_outputs('<div class="jp-OutputArea-child"></div>')
    '<div class="jp-OutputArea-child"></div>'
    """
    return _OUTPUT_DIV.sub(r'<div class="\1" tabindex="0"', page)


@cache
def report_exporter() -> Any:
    """The HTML exporter of report pages: lab look, no input cells, no prompts, nothing remote."""
    exporter = _exporter_class()(
        template_name="lab",
        template_file=str(TEMPLATES / "report.html.j2"),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code="zh",
        require_js_url="",
        mathjax_url="",
        mermaid_js_url="",
        jquery_url="",
        widget_renderer_url="",
    )
    exporter.register_filter("strip_css_comments", strip_css_comments)
    exporter.register_preprocessor(_hide_tagged_cells(), enabled=True)
    return exporter


HIDE_TAG = "report-hide"
"""Cells tagged so are for the notebook reader (how to run it) and are left out of the HTML page."""


def _hide_tagged_cells() -> Any:
    from nbconvert.preprocessors import TagRemovePreprocessor

    return TagRemovePreprocessor(remove_cell_tags={HIDE_TAG}, enabled=True)


def notebook_to_html(nb: Any, title: str) -> str:
    """One executed notebook as a self-contained HTML page titled ``title``, its empty sections last."""
    body, _ = report_exporter().from_notebook_node(empty_sections_last(nb), resources={"metadata": {"name": title}})
    return body


_EMPTY_PLACEHOLDER = re.compile(r"^\s*<p>（[^<>]*）</p>\s*$")
"""What a section table shows when it has no rows: "（没有自评表）" in a paragraph of its own."""

EMPTY_SECTIONS_NOTE = "以下各节本次没有内容。"


def _is_section_heading(cell: Any) -> bool:
    return cell.get("cell_type") == "markdown" and "".join(cell.get("source", "")).lstrip().startswith("## ")


def _shows_only_placeholders(cells: list[Any]) -> bool:
    """True when the code cells of a section show nothing but empty-table placeholders (and at least one)."""
    shown = [output for cell in cells if cell.get("cell_type") == "code" for output in cell.get("outputs", [])]
    texts = ["".join(output.get("data", {}).get("text/html", "")) for output in shown]
    return bool(texts) and all(_EMPTY_PLACEHOLDER.match(text) for text in texts)


def empty_sections_last(nb: Any) -> Any:
    """A copy of ``nb`` with its empty sections (a ``## `` heading whose tables all say they have no
    rows, e.g. "（没有自评表）") moved to the end of the page after a note, so a reader meets the
    sections with content first; the executed notebook keeps its own order.

    The cells before the first section heading (the title block) stay first.
    """
    import copy

    cells = list(nb.cells)
    starts = [index for index, cell in enumerate(cells) if _is_section_heading(cell)]
    if not starts:
        return nb
    sections = [cells[start:end] for start, end in zip(starts, [*starts[1:], len(cells)], strict=True)]
    empty = [section for section in sections if _shows_only_placeholders(section)]
    if not empty or len(empty) == len(sections):
        return nb
    import nbformat

    moved = copy.copy(nb)
    kept = [section for section in sections if not _shows_only_placeholders(section)]
    # a fixed id (not a random one): the same notebook always gives the same page
    note = nbformat.v4.new_markdown_cell(f"---\n\n{EMPTY_SECTIONS_NOTE}", id="empty-sections-note")
    moved.cells = [*cells[:starts[0]], *(c for s in kept for c in s), note, *(c for s in empty for c in s)]
    return moved


def warm_exporter() -> None:
    """Compile the templates once (before forking workers, so each inherits them)."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("预热")])
    notebook_to_html(nb, "预热")


def render_index(context: dict[str, Any]) -> str:
    """The batch's ``index.html`` from ``templates/index.html.j2`` (autoescaped)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("index.html.j2").render(**context)
