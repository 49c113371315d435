"""Where an audit's checks run: this process (``--jobs N`` worker processes), a Dask cluster,
or Spark. Each engine checks chunks of cases, tallies each chunk where it was checked, and
returns the merged :class:`~replyguard.audit_report.aggregate.Tally`, so the aggregates are the
same whichever engine ran. ``on_rows`` receives every chunk's CaseRows in input order when the
caller needs them (errors on stderr, ``--findings``); engines ship rows only then.

Two ways onto a cluster: the CLI's (the driver reads the files and sends chunks out; right up
to tens of millions of cases, see docs/scale.md), and the DataFrame adapters for data that is
already on the cluster: :func:`check_dask_dataframe` / :func:`dask_tally` and
:func:`check_spark_dataframe` / :func:`spark_tally`, which run :func:`check_table` on every
partition where it lives.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..config import Config
from .aggregate import Tally, tally
from .rows import CaseRow, check_case
from .sources import Case
from .table import check_table, rows_from_tables, rows_to_table, spark_schema, worker_linter

RowsCallback = Callable[[list[CaseRow]], None]


@dataclass(frozen=True)
class Options:
    worst_n: int = 20
    target_minutes: float = 60.0
    chunk: int = 1000  # cases per task


def _chunks(cases: Iterable[Case], size: int) -> Iterator[list[Case]]:
    chunk: list[Case] = []
    for case in cases:
        chunk.append(case)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _tally(rows: Iterable[CaseRow], opts: Options) -> Tally:
    return tally(rows, worst_n=opts.worst_n, target_minutes=opts.target_minutes)


# -- local -------------------------------------------------------------------------------------
_pool_config: Config | None = None


def _init_pool(config: Config) -> None:
    global _pool_config
    _pool_config = config
    worker_linter(config)


def _check_chunk(chunk: list[Case]) -> list[CaseRow]:
    linter = worker_linter(_pool_config)
    return [check_case(linter, source, line, raw) for source, line, raw in chunk]


def run_local(cases: Iterable[Case], config: Config, *, jobs: int = 1, opts: Options = Options(),
              on_rows: RowsCallback | None = None, progress: Any = None) -> Tally:
    """Check in this process (``jobs`` = 1) or in ``jobs`` worker processes."""
    total = Tally(worst_n=opts.worst_n, targets=(opts.target_minutes,))
    size = min(opts.chunk, 128) if jobs > 1 else 64

    def take(rows: list[CaseRow]) -> None:
        for row in rows:
            total.add(row)
        if on_rows is not None:
            on_rows(rows)
        if progress is not None:
            progress.update(len(rows))

    if jobs <= 1:
        linter = worker_linter(config)
        for chunk in _chunks(cases, size):
            take([check_case(linter, source, line, raw) for source, line, raw in chunk])
        return total
    import multiprocessing

    pool = multiprocessing.Pool(jobs, initializer=_init_pool, initargs=(config,))
    try:
        for rows in pool.imap(_check_chunk, _chunks(cases, size)):
            take(rows)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
    return total


# -- Dask --------------------------------------------------------------------------------------
def _dask_task(chunk: list[Case], config: Config, opts: Options, want_rows: bool) -> tuple[Tally, Any, int]:
    """On a Dask worker: check a chunk, tally it there; ship rows back only if asked. Plain
    records, not an Arrow table: building one imports pandas, ~60 MB more per worker."""
    linter = worker_linter(config)
    rows = [check_case(linter, source, line, raw) for source, line, raw in chunk]
    return _tally(rows, opts), (rows if want_rows else None), len(chunk)


def dask_client(scheduler: str | None = None, workers: int = 2) -> Any:
    """A client of the scheduler at ``scheduler``, or of a new LocalCluster of ``workers``
    single-threaded worker processes (a check holds the GIL: processes, not threads)."""
    import dask
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    # the workers' statistical profiler samples every 10 ms and keeps what it saw: ~15 MB per
    # worker over 50,000 cases, and CPU time, for a dashboard this cluster does not serve
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               memory_limit="1GiB")
    return Client(cluster)


def run_dask(cases: Iterable[Case], config: Config, *, scheduler: str | None = None, workers: int = 2,
             opts: Options = Options(), on_rows: RowsCallback | None = None, progress: Any = None,
             client: Any = None) -> Tally:
    """Check on Dask: chunks go out as tasks (a bounded number in flight, so memory stays flat
    however large the input), each returns its tally; the driver merges them."""
    own = client is None
    client = client or dask_client(scheduler, workers)
    total = Tally(worst_n=opts.worst_n, targets=(opts.target_minutes,))
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        limit = 3 * n_workers
        pending: deque = deque()
        [config_future] = client.scatter([config], broadcast=True)

        def collect(future: Any) -> None:
            part, rows, n = future.result()
            total.merge(part)
            if on_rows is not None and rows is not None:
                on_rows(rows)
            if progress is not None:
                progress.update(n)

        for chunk in _chunks(cases, opts.chunk):
            pending.append(client.submit(_dask_task, chunk, config_future, opts, on_rows is not None, pure=False))
            while len(pending) >= limit:
                collect(pending.popleft())
        while pending:
            collect(pending.popleft())
    finally:
        if own:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    return total


def check_dask_dataframe(ddf: Any, config: Config | None = None, mapping: dict[str, str] | None = None) -> Any:
    """The findings of a Dask DataFrame of conversations (e.g. ``dd.read_parquet`` of a
    warehouse export), as a Dask DataFrame: :func:`check_table` on every partition."""
    meta = rows_to_table([], "pandas")
    return ddf.map_partitions(check_table, config, mapping=mapping, meta=meta)


def _tally_frame(frame: Any, opts: Options) -> Tally:
    return _tally(rows_from_tables([frame]), opts)


def dask_tally(findings: Any, opts: Options = Options()) -> Tally:
    """Tally a findings Dask DataFrame on the workers (one tally per partition); merge here."""
    import dask

    parts = [dask.delayed(_tally_frame)(p, opts) for p in findings.to_delayed()]
    total = Tally(worst_n=opts.worst_n, targets=(opts.target_minutes,))
    for part in dask.compute(*parts):
        total.merge(part)
    return total


# -- Spark -------------------------------------------------------------------------------------
def _spark_check(frames: Iterator[Any], config: Config | None, mapping: dict[str, str] | None) -> Iterator[Any]:
    for frame in frames:
        yield check_table(frame, config, mapping=mapping)


def _spark_tally(frames: Iterator[Any], opts: Options) -> Iterator[Any]:
    import pickle

    import pandas as pd

    part = _tally(rows_from_tables(frames), opts)
    yield pd.DataFrame({"tally": [pickle.dumps(part)]})


def spark_session(master: str | None = None) -> Any:
    """A Spark session on ``master`` (default ``local[*]``) with Arrow transfer on; executors'
    Python is this interpreter unless PYSPARK_PYTHON says otherwise."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(master or "local[*]").appName("replyguard-audit")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def check_spark_dataframe(sdf: Any, config: Config | None = None, mapping: dict[str, str] | None = None) -> Any:
    """The findings of a Spark DataFrame of conversations, as a Spark DataFrame
    (``mapInPandas``: Arrow batches to :func:`check_table` in each executor's Python worker)."""
    return sdf.mapInPandas(partial(_spark_check, config=config, mapping=mapping), schema=spark_schema())


def spark_tally(findings: Any, opts: Options = Options()) -> Tally:
    """Tally a findings DataFrame on the executors (one tally per partition); merge here."""
    import pickle

    parts = findings.mapInPandas(partial(_spark_tally, opts=opts), schema="tally binary").collect()
    total = Tally(worst_n=opts.worst_n, targets=(opts.target_minutes,))
    for r in parts:
        total.merge(pickle.loads(r["tally"]))
    return total


def run_spark(cases: Iterable[Case], config: Config, *, master: str | None = None, opts: Options = Options(),
              on_rows: RowsCallback | None = None, progress: Any = None, batch: int = 100_000,
              session: Any = None) -> Tally:
    """Check on Spark: the cases go to Spark in batches of ``batch`` cases (as Arrow), are
    checked and tallied on the executors; the driver merges the tallies."""
    import pandas as pd

    spark = session or spark_session(master)
    total = Tally(worst_n=opts.worst_n, targets=(opts.target_minutes,))
    order: dict[str, int] = {}
    try:
        for chunk in _chunks(cases, batch):
            for c in chunk:
                order.setdefault(c[0], len(order))
            pdf = pd.DataFrame({"source": [c[0] for c in chunk], "line": [c[1] for c in chunk],
                                "case": [c[2] for c in chunk]})
            sdf = spark.createDataFrame(pdf, schema="source string, line long, case string")
            parallelism = spark.sparkContext.defaultParallelism
            if sdf.rdd.getNumPartitions() < parallelism:
                sdf = sdf.repartition(parallelism)
            findings = check_spark_dataframe(sdf, config)
            if on_rows is not None:
                findings = findings.cache()
            total.merge(spark_tally(findings, opts))
            if on_rows is not None:
                rows = list(rows_from_tables([findings.toPandas()]))
                rows.sort(key=lambda r: (order.get(r.source, 0), r.line))
                findings.unpersist()
                on_rows(rows)
            if progress is not None:
                progress.update(len(chunk))
    finally:
        if session is None:
            spark.stop()
    return total


def run(engine: str, cases: Iterable[Case], config: Config, *, jobs: int = 1, address: str | None = None,
        opts: Options = Options(), on_rows: RowsCallback | None = None, progress: Any = None) -> Tally:
    if engine == "dask":
        return run_dask(cases, config, scheduler=address, workers=max(jobs, 1), opts=opts, on_rows=on_rows,
                        progress=progress)
    if engine == "spark":
        master = address or (f"local[{jobs}]" if jobs > 1 else None)
        return run_spark(cases, config, master=master, opts=opts, on_rows=on_rows, progress=progress)
    return run_local(cases, config, jobs=jobs, opts=opts, on_rows=on_rows, progress=progress)


__all__: Sequence[str] = (
    "Options",
    "check_dask_dataframe",
    "check_spark_dataframe",
    "dask_tally",
    "run",
    "run_dask",
    "run_local",
    "run_spark",
    "spark_tally",
)
