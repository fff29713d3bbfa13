"""The progress bar of a batch of reports, shared by the local pool and the cluster runner: one tick
per report that comes back, and a ``FAILED`` line above the bar for each that failed."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from budgetlib.display import visible


@contextmanager
def report_progress(total: int, shown: bool) -> Iterator[Callable[[Any], None]]:
    """A bar of ``total`` reports on stderr (hidden unless ``shown``); yields the function to call
    with each outcome as it comes back (anything with ``ok``, ``error`` and ``job.stem``)."""
    with tqdm(total=total, desc="reports", unit="report", file=sys.stderr, disable=not shown,
              dynamic_ncols=True) as bar:

        def came_back(outcome: Any) -> None:
            if not outcome.ok:
                bar.write(f"FAILED {outcome.job.stem}: {visible(outcome.error)}", file=sys.stderr)
            bar.update(1)

        yield came_back
