"""Dependencies run one way: contracts and settings at the bottom, assets above them, the
Dagster code location on top; the dashboards read the published files and the bottom layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Package -> the project packages it may import (besides itself).
ALLOWED = {
    "data_contracts": set(),
    "assets": {"data_contracts"},
    "pipelines": {"assets", "data_contracts"},
    "dashboards": {"data_contracts"},
}
# Shared modules of the assets layer; every other module belongs to one stage. Disclosure control
# is a library the KPI and publish stages both call, not a stage with assets of its own.
ASSETS_SHARED = {"resources", "run_params", "expectations", "step_times", "disclosure"}


def project_imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of a project package in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return [(line, module) for line, module in found if module.split(".")[0] in ALLOWED]


def violations(root: Path) -> list[str]:
    problems = []
    for package, allowed in ALLOWED.items():
        for path in sorted((root / package).rglob("*.py")):
            here = path.relative_to(root).with_suffix("").parts
            for line, module in project_imports(path):
                parts = module.split(".")
                where = f"{path.relative_to(root)}:{line} imports {module}"
                if parts[0] != package and parts[0] not in allowed:
                    problems.append(f"{where} (upward or sideways across layers)")
                elif (
                    package == "assets"
                    and parts[0] == "assets"
                    and len(here) > 2
                    and len(parts) > 1
                    and parts[1] not in ASSETS_SHARED
                    and parts[1] != here[1]
                ):
                    problems.append(f"{where} (one stage reaching into another)")
    return problems


def test_no_module_imports_upward_or_across_stages() -> None:
    assert violations(ROOT) == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("assets/ingest/assets.py", "from pipelines.resources import build_resources\n"),
        ("dashboards/data.py", "import assets.resources\n"),
        ("data_contracts/pii.py", "from assets.run_params import read_run_params\n"),
        ("assets/model/assets.py", "from assets.validate.rules import default_as_of\n"),
    ],
)
def test_the_walk_finds_an_upward_import(tmp_path: Path, module: str, source: str) -> None:
    for package in ALLOWED:
        (tmp_path / package).mkdir()
    target = tmp_path / module
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source)
    assert len(violations(tmp_path)) == 1


def test_no_module_edits_the_import_path() -> None:
    # The folders are installed as packages (pyproject.toml): nothing may patch sys.path.
    offenders = [
        str(path.relative_to(ROOT))
        for package in (*ALLOWED, "tests", "bench")
        for path in (ROOT / package).rglob("*.py")
        if "sys.path" in path.read_text(encoding="utf-8") and path != Path(__file__)
    ]
    assert offenders == []
