"""Where the labelled evaluation cases are, for tests that check whole sets."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dev_set() -> Path:
    """shared/eval/dev.jsonl beside the checkout (CI) or beside the worktrees; else the holdout."""
    for base in (ROOT.parent, ROOT.parent.parent):
        path = base / "shared" / "eval" / "dev.jsonl"
        if path.is_file():
            return path
    return ROOT / "eval" / "holdout.jsonl"
