"""The garbage-collector setting of long-running work: a batch and the server.

A check allocates many short-lived containers and almost never a cycle, while what start-up
built (the linter, its packs, compiled patterns) lives for the whole process. So both freeze
what exists at start (out of the collector's sight) and collect the young generation less
often. Measured: ~10% of a batch (docs/performance.md); in the server's load test GC time
fell ~8x and the worst pause from ~200 ms to ~40 ms (docs/server.md).
"""

from __future__ import annotations

import gc

BATCH = (10_000, 10, 10)
SERVER = (50_000, 20, 100)  # rarer older collections too: their pauses sit in the latency tail


def tune_gc(thresholds: tuple[int, int, int] = BATCH) -> None:
    """Freeze what exists now and set the collector's thresholds (default: a batch's)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
