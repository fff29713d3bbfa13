"""The notice codes (warnings, errors, skips): every code the package writes is in the catalogue, and every
catalogue code is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import budgetlib as bl
from budgetlib.notices import Notice, catalogue
from tests.conftest import FIXTURES

SRC = Path(__file__).resolve().parents[1] / "src" / "budgetlib"
_CODE = re.compile(r'"([EWS]_[A-Z0-9_]+)"')


def codes_in_source() -> set[str]:
    return {code for path in SRC.rglob("*.py") if path.name != "notices.py" for code in _CODE.findall(path.read_text(encoding="utf-8"))}


def test_every_code_written_is_in_the_catalogue() -> None:
    assert codes_in_source() - set(catalogue()) == set()


def test_every_catalogue_code_is_written_somewhere() -> None:
    assert set(catalogue()) - codes_in_source() == set()


def test_severity_fits_the_code_prefix() -> None:
    for kind in catalogue().values():
        assert kind.code.startswith({"error": "E_", "warning": "W_", "skipped": "S_"}[kind.severity])
        assert kind.title and kind.description
        assert kind.title_zh and not kind.title_zh.isascii(), kind.code  # the pages show it
        assert kind.description_zh and not kind.description_zh.isascii(), kind.code


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError, match="W_TYPO"):
        Notice("W_TYPO", "a message")


def test_every_warning_and_error_row_of_the_fixtures_has_a_known_code() -> None:
    forms = bl.read_forms([FIXTURES / "examples", FIXTURES / "variants", FIXTURES / "office"])
    assert len(forms.warnings) and len(forms.errors)
    for table in (forms.warnings, forms.errors):
        assert table["code"].notna().all()
        assert set(table["code"]) <= set(catalogue())
    assert set(forms.errors["code"]) >= {"E_NO_TEXT_LAYER", "E_ENCRYPTED"}
    assert {"W_NO_MONEY_UNIT", "W_FORMULA"} <= set(forms.warnings["code"])


def test_the_data_dictionary_lists_the_codes() -> None:
    dictionary = bl.data_dictionary()
    for code in catalogue():
        assert f"| {code} |" in dictionary


@pytest.mark.parametrize("error_class", ["UnreadableFileError", "NoFormFound", "ActualsSheetError"])
def test_a_coded_error_crosses_processes_whole(error_class: str) -> None:
    """Errors are pickled back from worker processes (the batch reads its forms in one): the copy
    is the same class with the same code and message."""
    import pickle

    from budgetlib.extract.document import UnreadableFileError
    from budgetlib.scoring.actuals import ActualsSheetError
    from budgetlib.transform.assemble import NoFormFound

    kind = {"UnreadableFileError": UnreadableFileError, "NoFormFound": NoFormFound,
            "ActualsSheetError": ActualsSheetError}[error_class]
    error = kind("E_ACTUALS_FORMAT", "sheet.csv: not UTF-8 or GB18030 text")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is kind
    assert (copy.code, str(copy), copy.notice) == (error.code, str(error), error.notice)
