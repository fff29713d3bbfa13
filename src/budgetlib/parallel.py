"""Reading many files in several processes, results merged in input order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from budgetlib.reader import FileResult, parse_file


def _parse_chunk(chunk: list[tuple[str, str]], keep_provenance: bool) -> list[FileResult]:
    return [parse_file(Path(path), name, keep_provenance) for path, name in chunk]


def parse_files_parallel(
    files: Sequence[tuple[Path, str]], *, jobs: int, keep_provenance: bool = True, chunk_size: int = 64
) -> Iterator[FileResult]:
    """Parse files in ``jobs`` processes, in chunks (one task per file would cost more than the parse)."""
    chunks = [
        [(str(path), name) for path, name in files[start:start + chunk_size]]
        for start in range(0, len(files), chunk_size)
    ]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for results in pool.map(_parse_chunk, chunks, [keep_provenance] * len(chunks)):
            yield from results
