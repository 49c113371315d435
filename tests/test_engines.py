"""The audit on Dask (a LocalCluster of 2 worker processes) and on Spark (``local[2]``) finds
exactly what the local CLI finds, case by case, and reports the same aggregates.

Over the dev set plus a generated corpus of 10,000 cases. This starts a cluster and a JVM and
checks the corpus four times, so it runs in CI (``CI`` set, where a missing extra or Java is a
failure) or with ``REPLYGUARD_ENGINE_TESTS=1``, and is skipped otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eval_data import dev_set

ROOT = Path(__file__).resolve().parent.parent
RUN = bool(os.environ.get("CI") or os.environ.get("REPLYGUARD_ENGINE_TESTS"))
pytestmark = pytest.mark.skipif(not RUN, reason="engine tests run in CI or with REPLYGUARD_ENGINE_TESTS=1")
CORPUS_CASES = int(os.environ.get("REPLYGUARD_ENGINE_CASES", "10000"))


def replyguard(*argv: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "replyguard", *argv], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from corpus import write_jsonl
    finally:
        sys.path.pop(0)
    path = tmp_path_factory.mktemp("engines") / "generated.jsonl"
    write_jsonl(str(path), CORPUS_CASES, seed=13)
    return [dev_set(), path]


@pytest.fixture(scope="module")
def local(corpus, tmp_path_factory):
    """What the local CLI finds (``check --cases --format jsonl``) and the local audit's aggregates."""
    want = []
    for path in corpus:
        proc = replyguard("check", "--cases", str(path), "--format", "jsonl", "--jobs", "2")
        assert proc.returncode in (0, 1), proc.stderr
        for line in proc.stdout.splitlines():
            rec = json.loads(line)
            want.append((str(path), rec["id"], [{k: f[k] for k in ("rule", "category", "severity", "message", "span")}
                                                for f in rec["findings"]]))
    out = tmp_path_factory.mktemp("local") / "findings.jsonl"
    proc = replyguard("audit", *map(str, corpus), "--format", "json", "--findings", str(out), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    return want, json.loads(proc.stdout), out


def findings_of(path: Path) -> list[tuple]:
    records = map(json.loads, path.read_text(encoding="utf-8").splitlines())
    return [(r["source"], r["id"], r["findings"]) for r in records]


def test_local_audit_findings_equal_check(local, corpus):
    want, agg, out = local
    assert len(want) == agg["totals"]["replies"] > CORPUS_CASES
    assert agg["totals"]["input_errors"] == 0
    assert findings_of(out) == want


@pytest.mark.parametrize("engine, extra", [
    ("dask", ["--jobs", "2"]),  # a LocalCluster of 2 single-threaded worker processes
    ("spark", ["--master", "local[2]"]),
])
def test_engine_finds_what_the_cli_finds(engine, extra, local, corpus, tmp_path):
    want, local_agg, _ = local
    out = tmp_path / "findings.jsonl"
    proc = replyguard("audit", *map(str, corpus), "--engine", engine, *extra, "--format", "json",
                      "--findings", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert findings_of(out) == want
    assert json.loads(proc.stdout) == local_agg


def test_dask_dataframe_adapter(corpus):
    """The adapter for a Dask DataFrame (e.g. dd.read_parquet of a warehouse export)."""
    import dask
    import dask.dataframe as dd
    import pandas as pd

    from replyguard.audit_report.aggregate import summarize, tally
    from replyguard.audit_report.engines import check_dask_dataframe, dask_tally
    from replyguard.audit_report.table import check_table, table_rows
    from replyguard.config import Config, Policy
    from replyguard.models import Action

    lines = [raw for raw in corpus[0].read_text(encoding="utf-8").splitlines() if raw.strip()][:60]
    frame = pd.DataFrame({"source": "dev", "line": range(1, len(lines) + 1), "case": lines})
    want = list(table_rows(check_table(frame)))
    with dask.config.set(scheduler="synchronous"):
        findings = check_dask_dataframe(dd.from_pandas(frame, npartitions=3))
        assert list(table_rows(findings.compute().reset_index(drop=True))) == want
        assert summarize(dask_tally(findings)) == summarize(tally(want))
        # the adapter checks under the config it is given: a configured policy's decisions
        policy = Policy(categories={"mixed_register": Action.approve}, rules={"late-reply": Action.block})
        config = Config(policy=policy)
        want = list(table_rows(check_table(frame, config)))
        assert {r.decision for r in want} >= {"approve", "block"}
        got = list(table_rows(check_dask_dataframe(dd.from_pandas(frame, npartitions=3), config).compute()
                              .reset_index(drop=True)))
        assert got == want
