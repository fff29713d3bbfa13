"""The field score script: every example scored in every format, missing and unreadable files counted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from benchmarks import field_score

from tests.conftest import EXAMPLES, FIXTURES

XINZHOU = "xinzhou-2020-e-gov-network-declaration"
QINGSHEN = "qingshen-2023-wages-self-evaluation"


def _truth(tmp_path: Path) -> Path:
    truth = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    path = tmp_path / "truth.json"
    path.write_text(json.dumps({name: truth[name] for name in (f"{XINZHOU}.md", f"{QINGSHEN}.md")}), encoding="utf-8")
    return path


def test_a_missing_or_unreadable_example_scores_its_fields_wrong(tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    shutil.copy(FIXTURES / "office" / "xls" / f"{XINZHOU}.xls", folder)
    scored = field_score.score_folder(folder, _truth(tmp_path), ".xls")
    per_file = field_score.summary(scored)
    assert per_file.loc[f"{XINZHOU}.xls", "share"] == 1.0  # all 71 fields of the declaration right
    assert per_file.loc[f"{QINGSHEN}.xls", "right"] == 0 and per_file.loc[f"{QINGSHEN}.xls", "fields"] == 36
    assert set(scored[scored["file"] == f"{QINGSHEN}.xls"]["got"]) == {field_score.MISSING}
    (folder / f"{QINGSHEN}.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    scored = field_score.score_folder(folder, _truth(tmp_path), "xls")
    assert set(scored[scored["file"] == f"{QINGSHEN}.xls"]["got"]) == {field_score.UNREAD}


def test_without_a_suffix_each_example_is_found_by_its_name(tmp_path: Path) -> None:
    scored = field_score.score_folder(FIXTURES / "office" / "mixed", _truth(tmp_path))
    assert set(scored["file"]) == {f"{XINZHOU}.xlsx", f"{QINGSHEN}.pdf"}
    assert field_score.summary(scored).loc["(all)", "share"] == 1.0  # all 71 + 36 fields right


def test_all_formats_prints_one_line_per_format(tmp_path: Path, capsys) -> None:
    folders = {".md": EXAMPLES, ".pdf": FIXTURES / "office" / "pdf", ".docx": FIXTURES / "office" / "docx"}
    lines = field_score.format_summary(_truth(tmp_path), folders)
    assert list(lines.index) == ["md", "pdf", "docx"]
    assert lines["right"].tolist() == [107, 107, 107] and set(lines["fields"]) == {107}
    assert set(lines["files_not_read"]) == {0}
    assert field_score.main(["--all-formats", "--expected", str(_truth(tmp_path))]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[2:]] == ["md", "xls", "xlsx", "docx", "pdf"]
