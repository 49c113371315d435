"""The real ``pre-commit`` tool runs the ``replyguard-templates`` hook of this repository
(``.pre-commit-hooks.yaml``) in a temporary git repository: it fails on a bad template file
and passes on a good one.

``pre-commit try-repo`` builds the hook's own virtualenv by pip-installing this project
(from PyPI-reachable dependencies), which takes a while; PRE_COMMIT_HOME is shared by the
tests of this module so that happens once. The hook is taken at the project's HEAD commit
(``--ref``), so uncommitted work in the tree does not leak into the hook environment.
Set ``REPLYGUARD_SKIP_PRECOMMIT=1`` to skip (e.g. offline).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "templates"

pytestmark = pytest.mark.skipif(bool(os.environ.get("REPLYGUARD_SKIP_PRECOMMIT")),
                                reason="REPLYGUARD_SKIP_PRECOMMIT is set")


def _pre_commit() -> str:
    exe = Path(sys.executable).parent / "pre-commit"
    if exe.exists():
        return str(exe)
    found = shutil.which("pre-commit")
    if not found:
        pytest.skip("pre-commit is not installed")
    return found


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def hook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("template-repo")
    _git(repo, "init", "-q")
    (repo / "templates").mkdir()
    shutil.copy(EXAMPLES / "replies.yaml", repo / "templates" / "replies.yaml")
    shutil.copy(EXAMPLES / "bad" / "bad-replies.yaml", repo / "templates" / "bad-replies.yaml")
    _git(repo, "add", ".")
    return repo


def _try_repo(repo: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    head = _git(ROOT, "rev-parse", "HEAD")
    return subprocess.run(
        [_pre_commit(), "try-repo", str(ROOT), "replyguard-templates", "--ref", head,
         "--verbose", "--files", *files],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_hook_fails_on_bad_template_and_passes_on_good(template_repo: Path, hook_env: dict[str, str]):
    good = _try_repo(template_repo, hook_env, "templates/replies.yaml")
    out = good.stdout + good.stderr
    if good.returncode != 0 and ("Could not find a version" in out or "Network is unreachable" in out):
        pytest.skip("cannot install the hook environment (no package index)")
    assert good.returncode == 0, out
    assert "replyguard lint-templates" in out and "Passed" in out

    bad = _try_repo(template_repo, hook_env, "templates/bad-replies.yaml")
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out
    assert "Failed" in out
    assert "templates/bad-replies.yaml:13: error: templates/undefined-variable" in out
    assert "templates/too-long" in out


def test_hook_only_runs_on_template_paths(template_repo: Path, hook_env: dict[str, str]):
    (template_repo / "notes.yaml").write_text("not: a template\n", encoding="utf-8")
    _git(template_repo, "add", "notes.yaml")
    res = _try_repo(template_repo, hook_env, "notes.yaml")
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "no files to check" in out.lower() or "Skipped" in out
