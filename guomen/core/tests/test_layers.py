"""The import contracts (pyproject ``[tool.importlinter]``) hold, and they do catch a violation."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[3]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is installed by requirements-dev.txt")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--config", str(cwd / "pyproject.toml"), "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False
    )


def _copy(tmp_path: Path) -> Path:
    """The package's Python files and the contracts, in a scratch folder."""
    shutil.copy(BASE / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        BASE / "guomen",
        tmp_path / "guomen",
        ignore=lambda d, names: [n for n in names if n == "__pycache__" or ("." in n and not n.endswith(".py"))],
    )
    return tmp_path


def test_the_code_keeps_its_layers():
    result = _lint(BASE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_upward_import_inside_a_function_breaks_the_layers(tmp_path):
    root = _copy(tmp_path)
    (root / "guomen" / "org" / "upward.py").write_text("def f():\n    from guomen.loop.models import Journey\n\n    return Journey\n")
    result = _lint(root)
    assert result.returncode == 1
    assert "guomen.org.upward -> guomen.loop.models" in result.stdout


def test_core_importing_an_app_breaks_the_layers(tmp_path):
    root = _copy(tmp_path)
    (root / "guomen" / "core" / "upward.py").write_text("from guomen.org.scoping import Scope  # noqa\n")
    result = _lint(root)
    assert result.returncode == 1
    assert "guomen.core is not allowed to import guomen.org" in result.stdout


def test_no_app_reaches_another_through_importlib_or_a_hidden_import_error():
    pattern = re.compile(r"import_module|except ImportError")
    hits = [
        f"{p.relative_to(BASE)}:{n}"
        for p in (BASE / "guomen").rglob("*.py")
        if "tests" not in p.parts
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []
