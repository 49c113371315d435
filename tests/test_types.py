"""The type check of CI (`mypy`, configured in pyproject.toml) is part of the test suite, so
a change that breaks it fails `pytest` before it lands, not only in CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_errors_in_src() -> None:
    pytest.importorskip("mypy", reason="mypy is in the [dev] extra")
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_package_ships_py_typed() -> None:
    assert (ROOT / "src" / "replyguard" / "py.typed").is_file()
