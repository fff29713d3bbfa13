"""What a report folder holds, by its manifest: every report's pages, status and inputs; which
reports ``--only-failed`` must run again.

A report is listed in the manifest (:data:`budgetlib.outdir.MANIFEST_FILE`, field ``reports``) with
its ``stem``, ``status`` (``ok`` or ``failed``), ``error``, ``files`` (its page and its executed
notebook, those that exist), ``inputs`` (a digest of what it was made from: the content of every
input file, the notebook, budgetlib's version and the report's parameters), ``finished`` (when the
run that made it completed) and ``in_this_run`` (false for a report an earlier run made that is not
part of the last run: another department's, say; its pages are left in place).

A report must be run again when the manifest has no entry for it, when it failed, when its inputs
changed, or when one of its files is missing or not as the manifest recorded it (size and SHA-256).
Only the manifest counts: a folder without one (or whose run never finished, which leaves the
previous manifest) has every report still to run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from budgetlib.outdir import budgetlib_version, file_record, input_digest, real_file
from budgetlib.report.plan import ReportJob

PAGE_SUFFIXES = (".html", ".ipynb")


def report_inputs(files: Iterable[tuple[str, str]], notebooks_dir: Path, notebooks: Iterable[str]) -> dict[str, Any]:
    """What every report of a batch is made from: the input files (by content) and the notebooks."""
    listed = list(files)
    return {
        "files": len(listed),
        "digest": input_digest(listed, content=True),
        "digest_of": "the source name, size and content (SHA-256) of every input file",
        "notebooks": {name: _sha256(notebooks_dir / name) for name in sorted(set(notebooks))},
    }


def _sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def fingerprint(job: ReportJob, inputs: Mapping[str, Any]) -> str:
    """A digest of everything one report is made from. Every report depends on the whole batch's
    inputs (a project report shows the project's other years, an annual report its department's
    forms), so any changed input file changes every fingerprint."""
    made_from = {
        "inputs": inputs["digest"],
        "notebook": inputs["notebooks"].get(job.notebook),
        "budgetlib": budgetlib_version(),
        "parameters": {key: value for key, value in job.parameters.items() if key != "data"},
        "stem": job.stem,
    }
    text = json.dumps(made_from, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()


def page_files(job: ReportJob) -> list[str]:
    """The files of one report, relative to the output folder."""
    return [f"{job.stem}{suffix}" for suffix in PAGE_SUFFIXES]


def previous_reports(manifest: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The reports a manifest lists, by stem."""
    if not manifest:
        return {}
    return {str(entry["stem"]): dict(entry) for entry in manifest.get("reports", [])
            if isinstance(entry, dict) and "stem" in entry}


def recorded_files(manifest: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The output files a manifest lists, by path."""
    if not manifest:
        return {}
    return {str(entry["path"]): dict(entry) for entry in manifest.get("outputs", [])
            if isinstance(entry, dict) and "path" in entry}


def intact(out: Path, paths: Sequence[str], recorded: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether every one of ``paths`` is in ``out`` as the manifest recorded it (a regular file
    reached without links, of the recorded size and SHA-256)."""
    for path in paths:
        entry = recorded.get(path)
        target = out / path
        if entry is None or not real_file(target, out):
            return False
        if target.stat().st_size != entry.get("bytes") or file_record(target, out)["sha256"] != entry.get("sha256"):
            return False
    return True


def why_run(job: ReportJob, entry: Mapping[str, Any] | None, made_from: str, out: Path,
            recorded: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Why ``job`` must run again (None: its pages are there, complete and current)."""
    if entry is None:
        return "not in the manifest"
    if entry.get("status") != "ok":
        return "failed"
    if entry.get("inputs") != made_from:
        return "its inputs changed"
    if not intact(out, page_files(job), recorded):
        return "a page is missing or changed"
    return None


def report_entry(job: ReportJob, *, ok: bool, error: str | None, made_from: str, finished: str | None,
                 files: Sequence[str], in_this_run: bool = True) -> dict[str, Any]:
    """The manifest's entry for one report."""
    return {
        "stem": job.stem,
        "kind": job.kind,
        "notebook": job.notebook,
        "title": job.title,
        "status": "ok" if ok else "failed",
        "error": error,
        "files": list(files),
        "inputs": made_from,
        "finished": finished,
        "in_this_run": in_this_run,
        "parameters": {key: value for key, value in job.parameters.items() if key != "data"},
        "summary": job.summary,
    }
