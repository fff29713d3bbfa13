"""environment.yml (conda) and pyproject.toml + the constraints file describe the same environment."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_packages() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        names |= {_name(r) for r in extra}
    return names


def _environment_packages() -> dict[str, str | None]:
    packages: dict[str, str | None] = {}
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    for line in text.split("dependencies:", 1)[1].splitlines():
        match = re.match(r"^\s+-\s+([A-Za-z0-9_.\-\[\]]+)(?:==?([\w.]+))?\s*$", line)
        if match and match.group(1) not in ("python", "pip", "-e"):
            packages[_name(match.group(1))] = match.group(2)
    return packages


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[_name(name)] = version.strip()
    return pins


def test_environment_yml_lists_the_same_packages_as_pyproject() -> None:
    assert set(_environment_packages()) == _pyproject_packages()


def test_environment_yml_versions_match_the_constraints_file() -> None:
    pins = _constraints()
    mismatched = {
        name: (version, pins.get(name))
        for name, version in _environment_packages().items()
        if version is not None and pins.get(name) != version
    }
    assert mismatched == {}


def test_every_dependency_is_pinned() -> None:
    assert _pyproject_packages() - set(_constraints()) == set()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme
    assert re.search(r"^make test$", ci, re.MULTILINE)
