"""Screenshots of the report pages in headless Chromium: ``make screenshots`` → ``docs/*.png``.

Usage: ``python scripts/screenshots.py REPORTS_DIR DOCS_DIR``. Takes the index, the overall annual
report of the latest fiscal year and the indicator-attainment page of ``REPORTS_DIR`` (a folder
``budgetlib report`` wrote), each at 1200 px wide. Chromium draws Chinese text only with a CJK font
that fontconfig sees, so the font budgetlib installs is handed to it through a fontconfig file of
its own (with its own cache folder), which includes the system's configuration.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from budgetlib.charts import cjk_font_path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
WINDOW = "1200,1600"


def fontconfig(folder: Path) -> Path:
    """A fontconfig file that adds budgetlib's CJK font to the system's fonts."""
    cache = folder / "fontconfig-cache"
    cache.mkdir(parents=True, exist_ok=True)
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <cachedir>{cache}</cachedir>\n  <dir>{Path(cjk_font_path()).parent}</dir>\n"
        "  <include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>\n</fontconfig>\n",
        encoding="utf-8")
    return path


def pages(reports: Path) -> dict[str, Path]:
    """The pages to show: the index, the latest year's overall annual report, the attainment page
    (the latest year's, else the one over all years)."""
    annual = sorted(reports.glob("annual/annual-all-departments-*.html"))
    attainment = sorted(reports.glob("annual/indicator-attainment-all-departments-*.html"))

    def latest(found: list[Path]) -> Path:
        years = [p for p in found if re.search(r"-\d{4}\.html$", p.name)]
        return (years or found)[-1]

    chosen = {"report-index.png": reports / "index.html"}
    if annual:
        chosen["report-annual.png"] = latest(annual)
    if attainment:
        chosen["report-attainment.png"] = latest(attainment)
    return chosen


def screenshot(browser: str, page: Path, png: Path, profile: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--hide-scrollbars", f"--window-size={WINDOW}", f"--screenshot={png}", page.resolve().as_uri()],
        check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    reports, docs = Path(argv[0]), Path(argv[1])
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    if browser is None:
        print("no Chromium or Chrome found", file=sys.stderr)
        return 2
    if not (reports / "index.html").is_file():
        print(f"{reports} holds no index.html: run `make reports` first", file=sys.stderr)
        return 2
    docs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="budgetlib-screenshots-") as temporary:
        folder = Path(temporary)
        env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig(folder))}
        for name, page in pages(reports).items():
            screenshot(browser, page, docs / name, folder / "profile", env)
            print(f"{docs / name}: {page.relative_to(reports)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
