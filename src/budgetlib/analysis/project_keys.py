"""Which forms are one project: a key per form, shared by the forms of one project in all years.

A form's project is its project code, else its normalised name within its department. Codes are
compared by :func:`normalise_code` (the forms of one project-year write one code with full-width
digits, spaces, lower case or without its dashes), and the key shows a code as written. Codes that
carry the year ("036001-2020-BMZX-0001") change every year, so forms whose codes differ are still
joined by name when their codes do not claim the same year. The key is ``code:<code>`` (the code of
the project's latest form that has one) when any form of the project has a code, else
``name:<department>|<name>``; a form with neither is a project of its own, ``form:<form_id>``.

Why in columns: a province's cycle is 10^6 forms, and the cross-form checks key all of them at
once. Done row by row in Python lists and dicts, that took 773 MiB above the key columns
themselves, and 16 s. Here the rows are numbered (codes, names and departments factorized, the
normalised names held by Arrow), and Python loops only over the names that more than one group of
coded forms share, the only place where the order of joining matters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import TypeAlias, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from budgetlib.transform.normalize import compact
from budgetlib.vocabulary import alternation, table

__all__ = ["PROJECT_KEY_COLUMNS", "department_key", "normalise_code", "normalise_department", "normalise_name",
           "number_texts", "project_keys", "without_department"]

PROJECT_KEY_COLUMNS: tuple[str, ...] = ("form_id", "fiscal_year", "project_code", "project_name", "department")
"""The columns of ``projects`` that :func:`project_keys` reads."""

_YEAR_PREFIX = re.compile(r"^(?:19|20)\d{2}年(?:度)?")
_NAME_NOISE = re.compile(r"[\s\"'“”‘’《》「」()（）\[\]【】·,，。、:：;；]")
_CODE_NOISE = re.compile(r"[\s\-‐‑‒–—―_./]")  # whitespace and the separators a code is written with
_SHORTEST_TAIL = 3  # characters of a department's tail taken as its name (教育局, 财政局)
_CHUNK = 1 << 16  # names normalised at a time: their Python strings are held only a chunk at a time


@cache
def _status_in_brackets() -> re.Pattern[str]:
    """A bracketed status word after a name ("（续建）", "(新增项目)"): how the project stands, not which it is."""
    words = alternation(row["word"] for row in table("project_name_words.csv") if row["kind"] == "status")
    return re.compile(rf"[(（\[【]\s*(?:{words})(?:项目)?\s*[)）\]】]")


@cache
def _department_ends() -> tuple[str, ...]:
    return tuple(row["word"] for row in table("project_name_words.csv") if row["kind"] == "department_end")


def normalise_name(name: object) -> str:
    """A project name as a join key: NFKC, no spaces or punctuation, no leading year, no bracketed
    status word (（续建）, （新增）: ``data/project_name_words.csv``), no trailing 项目.

    The forms of one project-year write "学校维修项目（续建）" on one form and "学校维修" on the other;
    compared with the status word, they were two projects and the project-year counted twice.

    >>> normalise_name("2021年 区电子政务网络运行维护项目"), normalise_name("学校维修项目（续建）")
    ('区电子政务网络运行维护', '学校维修')
    """
    if not isinstance(name, str):
        return ""
    key = _NAME_NOISE.sub("", _status_in_brackets().sub("", compact(name)))
    key = _YEAR_PREFIX.sub("", key)
    return key.removesuffix("项目") or key


def without_department(name: str, department: str) -> str:
    """A normalised project name less a leading department name: the whole of ``department`` or a
    tail of it that ends as a department's name ends (局, 委员会, 中心 …: ``data/project_name_words.csv``),
    and a year after it. Both arguments normalised. The name is kept when nothing would be left.

    One form of a project-year writes "区教育局学生资助", the other "学生资助", both in the department
    区教育局: one project. A tail must end where the department's name ends and be three characters at
    least, so "局" or "育局" is never cut off a name ("教育局", "数据中心" are).

    >>> without_department("教育局2022年学生资助", "合成县教育局"), without_department("局务公开", "合成县教育局")
    ('学生资助', '局务公开')
    """
    if not department or not name:
        return name
    for start in range(len(department) - _SHORTEST_TAIL + 1):  # the longest tail first
        tail = department[start:]
        if name.startswith(tail) and (start == 0 or tail.endswith(_department_ends())):
            rest = _YEAR_PREFIX.sub("", name[len(tail):])
            rest = rest.removesuffix("项目") if rest != "项目" else ""
            return rest if len(rest) >= 2 else name
    return name


def department_key(name: object) -> str:
    """A department as a project's join key: :func:`normalise_department` less a trailing 本级 (the
    department's own office, which one form of a project-year names and the other does not)."""
    key = normalise_department(name)
    return key.removesuffix("本级") or key


def normalise_code(code: object) -> str:
    """A project code as a join key: NFKC, upper case, no whitespace or separators (- — _ . /); empty
    when nothing is left (a blank cell, a lone dash), which is no code.

    Two forms of one project-year write one code as "036001-2022-BMZX-0001" and
    "０３６００１－２０２２－bmzx－0001" or "0360012022BMZX0001"; compared as written, they made two
    projects and the project-year's budget was counted twice.

    >>> normalise_code("０３６００１－２０２２－bmzx－0001"), normalise_code("036001 - 2022 - BMZX - 0001")
    ('0360012022BMZX0001', '0360012022BMZX0001')
    """
    if not isinstance(code, str):
        return ""
    return _CODE_NOISE.sub("", unicodedata.normalize("NFKC", code)).upper()


def normalise_department(name: object) -> str:
    """A department name as a join key (NFKC, no spaces or punctuation).

    >>> normalise_department("合成县 教育局（本级）")
    '合成县教育局本级'
    """
    return _NAME_NOISE.sub("", compact(name)) if isinstance(name, str) else ""


Distinct: TypeAlias = pa.Array | pd.Index
"""A column's distinct values: Arrow's for a column of Arrow strings, else pandas'."""


def _factorized(values: pd.Series | pa.Array) -> tuple[np.ndarray, Distinct]:
    """Each row's value as a number (-1: missing) and the values by number. A column of Arrow strings
    is encoded by Arrow: pandas would turn every value into a Python string first (at 10^6 forms,
    hundreds of MB)."""
    arrow = values if isinstance(values, pa.Array) else None
    if arrow is None and isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        arrow = pa.array(values.array)
    if arrow is None:
        return pd.factorize(values, use_na_sentinel=True)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    return _numbered_by_sorting(arrow.cast(pa.large_string()))


def _numbered_by_sorting(texts: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Each text's number (-1: missing) and the distinct texts, in sorted order: sorted, then cut
    where a text differs from the one before. Arrow's own ``dictionary_encode`` took 150 MB for
    10^6 texts; this takes a sorted copy and three arrays of integers."""
    valid = len(texts) - texts.null_count
    order = pc.array_sort_indices(texts, null_placement="at_end").to_numpy()[:valid]
    ordered = texts.take(order)
    starts = np.ones(valid, dtype=bool)
    if valid > 1:
        starts[1:] = pc.not_equal(ordered.slice(1), ordered.slice(0, valid - 1)).to_numpy(zero_copy_only=False)
    numbers = np.full(len(texts), -1, dtype=np.int64)
    numbers[order] = np.cumsum(starts) - 1
    if starts.all():  # every text distinct (codes, names): the sorted copy is the distinct texts
        return numbers, ordered
    return numbers, ordered.filter(pa.array(starts))


def number_texts(texts: pd.Series) -> np.ndarray:
    """A number for each text (-1: missing), equal for equal texts; without a Python string for each
    when the texts are Arrow's (see :func:`_factorized`)."""
    return _factorized(texts)[0]


def _in_chunks(distinct: Distinct) -> Iterator[list[object]]:
    """The distinct values as Python objects, a chunk at a time."""
    for start in range(0, len(distinct), _CHUNK):
        piece = distinct[start:start + _CHUNK]
        yield piece.to_pylist() if isinstance(piece, pa.Array) else list(piece)


def _normalised_numbers(values: pd.Series, normalise: Callable[[object], str]) -> tuple[np.ndarray, pa.Array]:
    """Each row's normalised text as a number, and the texts by number (a missing value is normalised
    as None is). The normalising runs once per distinct value, a chunk of them at a time."""
    return _normalised(*_factorized(values), normalise)


def _normalised(raw_numbers: np.ndarray, raw: Distinct, normalise: Callable[[object], str]
                ) -> tuple[np.ndarray, pa.Array]:
    """:func:`_normalised_numbers` of rows already numbered (``raw_numbers``, -1: missing) by their
    texts (``raw``)."""
    pieces = [pa.array([normalise(None)], pa.large_string())]  # number 0: what a missing value gives
    pieces += [pa.array([normalise(value) for value in chunk], pa.large_string()) for chunk in _in_chunks(raw)]
    numbers, distinct = _factorized(pa.chunked_array(pieces).combine_chunks())
    return numbers[raw_numbers + 1], cast(pa.Array, distinct)


def _names_less_departments(departments: np.ndarray, department_texts: Distinct, project_names: np.ndarray,
                            name_texts: Distinct) -> tuple[np.ndarray, pa.Array]:
    """Each row's name number again, by its name less a leading department (:func:`without_department`).

    Done once per distinct (department, name) pair, and only where the name's first character is in
    the department at all: at 10^6 forms, a Python call per pair would be seconds.
    """
    width = len(name_texts) + 1
    pairs, distinct_pairs = pd.factorize(departments.astype(np.int64) * width + project_names)
    department_list = _as_list(department_texts)
    name_list = _as_list(name_texts)
    stripped = []
    for pair in distinct_pairs.tolist():
        name, department = name_list[pair % width], department_list[pair // width]
        stripped.append(without_department(name, department) if name and name[0] in department else name)
    numbers, distinct = _factorized(pa.array(stripped, pa.large_string()))
    return numbers[pairs], cast(pa.Array, distinct)


def _as_list(texts: Distinct) -> list[str]:
    return [text or "" for text in (texts.to_pylist() if isinstance(texts, pa.Array) else texts.tolist())]


def _name_groups(departments: np.ndarray, department_texts: pa.Array, project_names: np.ndarray,
                 name_texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Whether each row has a name to join by, and the number of its "department|name" (-1: none).

    The key text joins the two with "|", and the texts were compared whole: a department written
    with a "|" in it ("A|B" with the name "C" is "A" with the name "B|C"). Only then are the texts
    made and compared; otherwise the pairs of numbers are.
    """
    if not pc.any(pc.match_substring(department_texts, "|")).as_py():
        has_name = pc.greater(pc.utf8_length(name_texts), 0).to_numpy(zero_copy_only=False)[project_names]
        pairs = departments.astype(np.int64) * (len(name_texts) + 1) + project_names
        return has_name, np.where(has_name, pd.factorize(pairs)[0], -1)
    joined = pc.binary_join_element_wise(department_texts.take(departments), name_texts.take(project_names),
                                         _text("|"))
    after_bar = pd.Series(pd.array(joined, dtype="str")).str.split("|", n=1).str[1]
    has_name = (after_bar.str.len() > 0).to_numpy(dtype=bool)
    return has_name, np.where(has_name, _factorized(joined)[0], -1)


def _code_numbers(codes: pd.Series) -> tuple[np.ndarray, int, np.ndarray, Distinct]:
    """Each row's code as a number by its :func:`normalise_code` key (-1: none, when the key is empty),
    how many numbers there are, and each row's code as written, numbered, with the written codes (the
    key shows the code as written)."""
    written, written_texts = _factorized(codes)
    keys, key_texts = _normalised(written, written_texts, normalise_code)
    usable = pc.greater(pc.utf8_length(key_texts), 0).to_numpy(zero_copy_only=False)
    return np.where(usable[keys], keys, -1), len(key_texts), written, written_texts


def _years(years: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's fiscal year (0 when missing) and whether it has one."""
    missing = years.isna().to_numpy(dtype=bool)
    values = np.fromiter((0 if gone else int(year) for year, gone in zip(years, missing, strict=True)),
                         np.int64, len(years))
    return values, ~missing


def _find(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = int(parent[i])
    return i


def _union(parent: np.ndarray, a: int, b: int) -> None:
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)


def _code_years(members: Sequence[int], codes: np.ndarray, years: np.ndarray, has_year: np.ndarray
                ) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for i in members:
        if codes[i] >= 0 and has_year[i]:
            found.setdefault(int(codes[i]), set()).add(int(years[i]))
    return found


def _conflict(a: dict[int, set[int]], b: dict[int, set[int]]) -> bool:
    """Two groups are different projects when different codes claim the same year."""
    return any(code_a != code_b and years_a & years_b for code_a, years_a in a.items() for code_b, years_b in b.items())


def _join_by_name(parent: np.ndarray, names: np.ndarray, codes: np.ndarray, years: np.ndarray,
                  has_year: np.ndarray) -> None:
    """Join, within each name, the groups of forms its codes made, unless their codes claim the same
    year; names in the order of their first form, each name's groups by their earliest year, each
    group joining the first earlier one it does not conflict with.

    Only a name held by more than one group at the start can join anything (joining never splits a
    group), so only those names are visited.
    """
    named = np.flatnonzero(names >= 0)
    if not len(named):
        return
    by_name = named[np.argsort(names[named], kind="stable")]  # each name's forms together, in row order
    name_of = names[by_name]
    starts = np.flatnonzero(np.r_[True, name_of[1:] != name_of[:-1]])
    ends = np.r_[starts[1:], len(by_name)]
    groups = parent[by_name]
    several = [k for k, (start, end) in enumerate(zip(starts, ends, strict=True))
               if (groups[start:end] != groups[start]).any()]
    for k in sorted(several, key=lambda k: by_name[starts[k]]):
        members = by_name[starts[k]:ends[k]].tolist()
        components: dict[int, list[int]] = {}
        for i in members:
            components.setdefault(_find(parent, i), []).append(i)
        ordered = sorted(components.values(), key=lambda m: min(int(years[i]) for i in m))
        clusters: list[list[int]] = []
        for component in ordered:
            mine = _code_years(component, codes, years, has_year)
            for cluster in clusters:
                if not _conflict(mine, _code_years(cluster, codes, years, has_year)):
                    _union(parent, cluster[0], component[0])
                    cluster.extend(component)
                    break
            else:
                clusters.append(list(component))


def _roots(parent: np.ndarray) -> np.ndarray:
    """Each row's root (pointer jumping until every row points at its root)."""
    while True:
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            return parent
        parent = jumped


def project_keys(projects: pd.DataFrame) -> pd.Series:
    """A key per form (indexed like ``projects``) shared by the forms of the same project in all years
    (see the module).

    >>> projects = pd.DataFrame({
    ...     "form_id": ["a#0", "b#0", "c#0", "d#0"], "fiscal_year": [2022, 2023, 2023, 2023],
    ...     "project_code": ["036001-2022-1", "036001-2023-1", None, None],
    ...     "project_name": ["2022年 电子政务项目", "电子政务", "电子政务", None], "department": ["区局"] * 4})
    >>> project_keys(projects).tolist()
    ['code:036001-2023-1', 'code:036001-2023-1', 'code:036001-2023-1', 'form:d#0']
    """
    codes, code_count, written_codes, code_texts = _code_numbers(projects["project_code"])
    years, has_year = _years(projects["fiscal_year"])
    departments, department_texts = _normalised_numbers(projects["department"], department_key)
    project_names, name_texts = _normalised_numbers(projects["project_name"], normalise_name)
    project_names, name_texts = _names_less_departments(departments, department_texts, project_names, name_texts)
    has_name, names = _name_groups(departments, department_texts, project_names, name_texts)
    roots = _project_roots(codes, code_count, names, years, has_year)
    chosen, has_code, row_root = _representatives(roots, codes, years)
    by_code, by_name = has_code, ~has_code & has_name[chosen]
    by_form = ~by_code & ~by_name  # forms with neither code nor name: few, each a project of its own
    form_ids = projects["form_id"].iloc[chosen[by_form]] if "form_id" in projects.columns else chosen[by_form]
    del years, has_year, has_name, names, roots  # 8 bytes a form each: freed before the keys' texts are made
    parts = [  # each project's key, made in Arrow: at 10^6 forms, not a Python string each
        pc.binary_join_element_wise(_text("code:"), _texts(code_texts, written_codes[chosen[by_code]]), _text("")),
        pc.binary_join_element_wise(_text("name:"), pc.binary_join_element_wise(
            _texts(department_texts, departments[chosen[by_name]]),
            _texts(name_texts, project_names[chosen[by_name]]), _text("|")), _text("")),
        pa.array([f"form:{form_id}" for form_id in form_ids], pa.large_string()),
    ]
    placed = np.concatenate([np.flatnonzero(by_code), np.flatnonzero(by_name), np.flatnonzero(by_form)])
    keys = pa.chunked_array(parts, pa.large_string()).take(np.argsort(placed)[row_root])  # one copy, not two
    return pd.Series(pd.array(keys, dtype="str"), index=projects.index, name="project_key")


def _project_roots(codes: np.ndarray, code_count: int, names: np.ndarray, years: np.ndarray,
                   has_year: np.ndarray) -> np.ndarray:
    """Each row's project, as the row at its root: rows joined by code, then by name (see the module)."""
    n = len(codes)
    rows = np.arange(n, dtype=np.int64)
    first_with_code = np.full(code_count + 1, n, dtype=np.int64)
    np.minimum.at(first_with_code, codes, rows)  # codes of -1 land in the last slot, unused
    parent = np.where(codes >= 0, first_with_code[codes], rows)
    _join_by_name(parent, names, codes, years, has_year)
    return _roots(parent)


def _representatives(roots: np.ndarray, codes: np.ndarray, years: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The row each project's key is made from (projects in the order of their roots), whether that
    row has a code, and each row's project by that order. The row is the project's latest form with
    a code, else its latest form; the first in row order among equals.

    A function of its own so that its arrays of 8 bytes a form (the order, the ranks, the best rows)
    are freed before the keys' texts are made.
    """
    n = len(roots)
    rows = np.arange(n, dtype=np.int64)
    order = np.lexsort((rows, -years))  # the latest year first, then the first row
    rank = np.empty(n, dtype=np.int64)
    rank[order] = rows
    coded = codes >= 0
    best_coded = np.full(n, n, dtype=np.int64)
    np.minimum.at(best_coded, roots[coded], rank[coded])
    best_any = np.full(n, n, dtype=np.int64)
    np.minimum.at(best_any, roots, rank)
    distinct_roots, row_root = np.unique(roots, return_inverse=True)
    has_code = best_coded[distinct_roots] < n
    chosen = order[np.where(has_code, best_coded[distinct_roots], best_any[distinct_roots])]
    return chosen, has_code, row_root.ravel()


def _text(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _texts(texts: Distinct, numbers: np.ndarray) -> pa.Array:
    """The texts of ``numbers`` as an Arrow array (without Python strings when they are Arrow's)."""
    if isinstance(texts, pa.Array):
        return texts.take(numbers).cast(pa.large_string())
    return pa.array(list(texts.take(numbers)), pa.large_string())
