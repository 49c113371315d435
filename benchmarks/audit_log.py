"""Cost of the audit log per request, apart from the HTTP stack.

Measures, on reports of the benchmark corpus: building and encoding a check record (CPU on the
event loop, per request), and writing + fsyncing batches of 1, 8 and 32 records (the writer
thread, per batch and per record), in a temporary file next to ``--dir``.

    python benchmarks/audit_log.py                 # 2,000 cases
    python benchmarks/audit_log.py --dir /var/log  # measure the disk the log will live on
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import generate  # noqa: E402

from replyguard import Conversation, Linter  # noqa: E402
from replyguard.audit import AuditLog, _encode, check_record  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=2_000)
    ap.add_argument("--dir", default=None, help="folder for the temporary log (default: the system's temp)")
    args = ap.parse_args(argv)

    linter = Linter()
    convs = [Conversation.model_validate(c) for c in generate(args.cases, 7)]
    reports = [linter.check(c) for c in convs]

    t0 = time.perf_counter()
    lines = [_encode(check_record(f"{i:032x}", c, r, text=False))
             for i, (c, r) in enumerate(zip(convs, reports, strict=True))]
    record_us = (time.perf_counter() - t0) / len(lines) * 1e6
    result = {"cases": len(lines), "record_build_encode_us": round(record_us, 1),
              "bytes_per_record": round(sum(map(len, lines)) / len(lines), 1), "batches": {}}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for size in (1, 8, 32):
            log = AuditLog(Path(tmp) / f"b{size}.jsonl")
            batches = [lines[i:i + size] for i in range(0, len(lines), size)]
            t0 = time.perf_counter()
            for b in batches:
                log.write_batch(b)
            per_batch = (time.perf_counter() - t0) / len(batches)
            log.close()
            result["batches"][size] = {"per_batch_ms": round(per_batch * 1e3, 3),
                                       "per_record_us": round(per_batch / size * 1e6, 1)}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
