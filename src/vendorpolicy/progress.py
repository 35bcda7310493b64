"""Progress of a long run on a terminal: one line on stderr, rewritten in place.

Only when stderr is a terminal (the CLI decides), never in a report or in piped output,
and only for runs long enough to need it. Worker processes count into shared memory
that a thread of the parent reads, so a parallel run shows one line too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

MIN_FILES = 200  # smaller runs finish before a progress line would help
_EVERY = 0.2  # seconds between redraws


class Progress:
    """Counts files through the phases of a run; silent when `stream` is None."""

    def __init__(self, stream: TextIO | None, total: int) -> None:
        self.stream = stream if total >= MIN_FILES else None
        self.total = total
        self.label = ""
        self.done = 0
        self._shown = 0.0
        self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def phase(self, label: str) -> None:
        self.label, self.done = label, 0
        self._draw(force=True)

    def tick(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    @contextmanager
    def watching(self, read: Callable[[], int]) -> Iterator[None]:
        """Show `read()` (a count other processes advance) while the block runs."""
        if self.stream is None:
            yield
            return
        stop = threading.Event()

        def poll() -> None:
            while not stop.wait(_EVERY):
                self.done = read()
                self._draw(force=True)

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def close(self) -> None:
        if self.stream is not None and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def _draw(self, force: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not force and now - self._shown < _EVERY:
            return
        self._shown = now
        share = min(100, self.done * 100 // max(1, self.total))
        text = f"vendorpolicy: {self.label} {self.done:,}/{self.total:,} files ({share}%)"
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = max(self._width, len(text))
