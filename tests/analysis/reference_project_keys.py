"""The row-by-row ``project_keys`` that the columnar one replaced, kept as the reference the tests
compare it with: the same keys for any forms."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from budgetlib.analysis.project_keys import department_key, normalise_code, normalise_name, without_department


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _code_years(members: Iterable[int], codes: list[str | None], years: list[int | None]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for i in members:
        if codes[i] and years[i] is not None:
            found.setdefault(codes[i], set()).add(years[i])  # type: ignore[index, arg-type]
    return found


def _conflict(a: dict[str, set[int]], b: dict[str, set[int]]) -> bool:
    """Two groups are different projects when different codes claim the same year."""
    return any(code_a != code_b and years_a & years_b for code_a, years_a in a.items() for code_b, years_b in b.items())


def reference_project_keys(projects: pd.DataFrame) -> pd.Series:
    """A key per form (indexed like ``projects``) shared by the forms of the same project in all years.

    Codes are compared by their :func:`normalise_code` keys (a code whose key is empty is none).
    ``code:<project code>`` (the latest year's code, as written) when any form of the project has a code, else
    ``name:<department>|<name>``; a form with neither code nor name is a project of its own,
    ``form:<form_id>`` (nothing to join it by).
    """
    n = len(projects)
    uf = _UnionFind(n)
    written = projects["project_code"].tolist()
    codes = [normalise_code(c) or None for c in written]
    years = [None if pd.isna(y) else int(y) for y in projects["fiscal_year"]]
    names = [f"{department_key(d)}|{without_department(normalise_name(p), department_key(d))}" for d, p in
             zip(projects["department"], projects["project_name"], strict=True)]
    form_ids = projects["form_id"].tolist() if "form_id" in projects.columns else [str(i) for i in range(n)]
    first_with_code: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code is not None:
            uf.union(first_with_code.setdefault(code, i), i)
    by_name: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        if name.split("|", 1)[1]:
            by_name.setdefault(name, []).append(i)
    for members in by_name.values():
        components: dict[int, list[int]] = {}
        for i in members:
            components.setdefault(uf.find(i), []).append(i)
        ordered = sorted(components.values(), key=lambda m: min((years[i] or 0) for i in m))
        clusters: list[list[int]] = []
        for component in ordered:
            mine = _code_years(component, codes, years)
            for cluster in clusters:
                if not _conflict(mine, _code_years(cluster, codes, years)):
                    uf.union(cluster[0], component[0])
                    cluster.extend(component)
                    break
            else:
                clusters.append(list(component))
    roots = [uf.find(i) for i in range(n)]
    label: dict[int, str] = {}
    for i in sorted(range(n), key=lambda i: (-(years[i] or 0), i)):
        root = roots[i]
        if root not in label or (codes[i] and not label[root].startswith("code:")):
            if codes[i]:
                label[root] = f"code:{written[i]}"
            elif names[i].split("|", 1)[1]:
                label[root] = f"name:{names[i]}"
            else:
                label.setdefault(root, f"form:{form_ids[i]}")
    return pd.Series([label[r] for r in roots], index=projects.index, name="project_key", dtype="str")
