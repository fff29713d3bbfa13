"""How many results the caches keyed by a cell's text keep (cleaned cells, matched labels, parsed
amounts, targets and cost items).

Why they are bounded, and why at this size: the texts that recur in a batch (labels, headings,
units, an indicator a department uses every year) are few and asked for on every form, so a
least-recently-used cache keeps them at any size; the texts of one form only (its name, code, goal,
phone) are looked up once and only fill the cache. At 65,536 entries a cache, the caches held about
40 MiB of such texts by the end of a 10^5-form parse (peak RSS 440 → 400 MiB at 8,192), with no
measurable change in speed on 6,081 varied synthetic forms (1.73–1.77 ms a form either way; 2,048
entries was 4 % slower). Measured in ``benchmarks/where-the-time-goes.md``.
"""

from __future__ import annotations

__all__ = ["TEXT_CACHE_SIZE"]

TEXT_CACHE_SIZE = 8192
"""Entries a cache keyed by a text keeps (``functools.lru_cache(maxsize=TEXT_CACHE_SIZE)``)."""
