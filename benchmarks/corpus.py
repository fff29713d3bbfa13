"""Benchmark corpora: many forms the size of the seed, written cheaply and deterministically.

Variants of the seed form (the 2020 e-government network declaration, about 4 kB of markdown) differ
in project code, project name and phone number, so that no two files are byte-identical; their
tables have the seed's shape (1 project, 8 funding lines, 3 indicators …). HTML and xlsx variants
are the markdown variants written by ``budgetlib.testing``'s format writers, as the readers' own
tests do. Large corpora (10^5 files) are plain markdown copies in folders (1,000 files each for the
full run), written in a few seconds.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from budgetlib import testing

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "tests" / "fixtures" / "examples" / "xinzhou-2020-e-gov-network-declaration.md"
SEED_CODE = "036001-2020-BMZX-0001"
SEED_NAME = "区电子政务网络运行维护"
SEED_PHONE = "86918820"
FORMATS = ("md", "html", "xlsx")


def seed_variant(text: str, number: int) -> str:
    """The seed's markdown with its own project code, name and phone number."""
    department = 36001 + number // 10_000
    return (text.replace(SEED_CODE, f"{department:06d}-2020-BMZX-{number % 10_000:04d}")
                .replace(SEED_NAME, f"{SEED_NAME}{number}号")
                .replace(SEED_PHONE, f"{86900000 + number % 100_000:08d}"))


def write_seed_variants(folder: Path, fmt: str, count: int) -> list[Path]:
    """``count`` seed variants in one format under ``folder`` (reused when already there)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    folder.mkdir(parents=True, exist_ok=True)
    text = SEED.read_text(encoding="utf-8")
    paths = []
    for number in range(count):
        path = folder / f"seed-{number:06d}.{fmt}"
        paths.append(path)
        if path.exists():
            continue
        markdown = seed_variant(text, number)
        if fmt == "md":
            path.write_text(markdown, encoding="utf-8")
            continue
        source = folder / f".source-{number:06d}.md"
        source.write_text(markdown, encoding="utf-8")
        if fmt == "html":
            path.write_text(testing.markdown_to_html(source), encoding="utf-8")
        else:
            path.write_bytes(testing.markdown_to_xlsx(source))
        source.unlink()
    return paths


SEED_BUDGET_LINE = "| 项目总预算            | 500000.00  | 项目当年预算 | 500000.00             |"


def second_form_variant(text: str, number: int) -> str:
    """A second form of the project of variant ``number - 1`` (its code and name), stating another
    current-year budget: the two forms of one project-year disagree, which check C17 finds across
    forms, as a real batch has them."""
    if SEED_BUDGET_LINE not in text:
        raise ValueError("the seed's budget line changed: update SEED_BUDGET_LINE")
    return seed_variant(text, number - 1).replace(SEED_BUDGET_LINE, SEED_BUDGET_LINE.replace(
        "项目当年预算 | 500000.00", "项目当年预算 | 450000.00"))


def write_large_corpus(root: Path, count: int, per_folder: int) -> list[Path]:
    """``count`` markdown seed variants in folders of ``per_folder`` files under ``root``; returns the
    folders in order. Files already there are kept (a corpus is written once per run).

    Every tenth form is a second form of the project before it (:func:`second_form_variant`), so that
    the cross-form checks run at every size and their findings are appended to the findings of all
    the forms, as in a real batch: a corpus of distinct projects only never reached that step."""
    text = SEED.read_text(encoding="utf-8")
    folders = []
    for first in range(0, count, per_folder):
        folder = root / f"part-{first // per_folder:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        folders.append(folder)
        for number in range(first, min(count, first + per_folder)):
            path = folder / f"form-{number:07d}.md"
            if not path.exists():
                variant = second_form_variant if number % 10 == 9 else seed_variant
                path.write_text(variant(text, number), encoding="utf-8")
    return folders


def folders_for(folders: Sequence[Path], count: int, per_folder: int) -> list[Path]:
    """The leading folders holding exactly the first ``count`` forms (a multiple of ``per_folder``)."""
    if count % per_folder:
        raise ValueError(f"{count} forms is not a whole number of folders of {per_folder}")
    return list(folders[:count // per_folder])


def remove(path: Path) -> None:
    """Delete a work folder (corpora, outputs)."""
    shutil.rmtree(path, ignore_errors=True)
