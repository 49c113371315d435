"""A progress line for batch runs, drawn on stderr only when stderr is a terminal.

``12,345/50,000 cases  24.7%  3,210 cases/s  ETA 0:11`` when the total is known (a file:
its lines are counted first), ``12,345 cases  3,210 cases/s`` when it is not (stdin). When
the stream is not a TTY (a pipe, a file, CI logs) nothing at all is written.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def count_cases(path: str) -> int | None:
    """Non-blank lines of a file, counted without decoding or parsing them; None when the path
    is not a regular file (a FIFO would be used up by the count, a device may never end)."""
    import os
    import stat

    from .batch import bounded_lines

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as f:
            return sum(1 for line in bounded_lines(f) if line.strip())  # bounded: a line may be endless
    except OSError:
        return None  # the run itself will say what is wrong with the file


def _duration(seconds: float) -> str:
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Counts finished cases and redraws one status line at most every ``interval`` seconds."""

    def __init__(self, total: int | None = None, stream: TextIO | None = None, *, unit: str = "cases",
                 interval: float = 0.2, clock: Callable[[], float] = time.monotonic):
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        try:
            self.enabled = bool(isatty and isatty())
        except (ValueError, OSError):  # closed stream
            self.enabled = False
        self.total = total
        self.unit = unit
        self.interval = interval
        self.clock = clock
        self.done = 0
        self._start = clock()
        self._last_draw = -1.0e9
        self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def line(self) -> str:
        """The status line for the current count."""
        elapsed = self.clock() - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total:
            pct = 100.0 * self.done / self.total
            text = f"{self.done:,}/{self.total:,} {self.unit}  {pct:5.1f}%  {rate:,.0f} {self.unit}/s"
            if rate > 0 and self.done < self.total:
                text += f"  ETA {_duration((self.total - self.done) / rate)}"
            return text
        return f"{self.done:,} {self.unit}  {rate:,.0f} {self.unit}/s"

    def update(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        now = self.clock()
        if now - self._last_draw >= self.interval:
            self._last_draw = now
            self._draw()

    def _draw(self) -> None:
        self.stream.write("\r" + self.line() + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False

    def write(self, message: str) -> None:
        """Print a line (an error record) on the stream without garbling the status line."""
        if not self.enabled:
            print(message, file=self.stream)
            return
        self._clear()
        print(message, file=self.stream)
        self._draw()

    def close(self) -> None:
        """Draw the final count and end the line (nothing when disabled)."""
        if not self.enabled:
            return
        self._draw()
        self.stream.write("\n")
        self.stream.flush()
        self.enabled = False
