"""Audit replies a team already sent: check them in bulk (locally, on Dask or on Spark) and
report aggregates as text, JSON, Markdown or a self-contained HTML page.

Modules: ``sources`` (JSON Lines, CSV, Parquet + column mapping), ``rows`` (one checked case),
``table`` (:func:`check_table`, the unit of distributed work), ``engines`` (local, Dask,
Spark), ``aggregate`` (pure functions: tally, merge, summarize), ``report_text`` and
``report_html`` (rendering only), ``command`` (the CLI).
"""

from .aggregate import Tally, merge, summarize, tally
from .rows import CaseRow
from .table import check_table

__all__ = ["CaseRow", "Tally", "check_table", "merge", "summarize", "tally"]
