"""Progress bars for host-side loops (iterations, batches, events).

Library functions take ``progress=False`` by default; the CLI turns bars on. Bars go to stderr
and show the rate and the ETA.
"""

import contextlib
import sys
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class _Null:
    """Stand-in when progress is off: every update is a no-op."""

    def advance(self, n: float = 1) -> None:
        del n


class _Bar:
    def __init__(self, progress: Progress, task: int):
        self._progress = progress
        self._task = task

    def advance(self, n: float = 1) -> None:
        self._progress.advance(self._task, n)


@contextlib.contextmanager
def progress_bar(
    total: float, description: str, *, enabled: bool = True, unit: str = "it"
) -> Iterator[_Bar | _Null]:
    """A context manager yielding an object with ``advance(n)``.

    Shows ``description``, a bar, done/total, percentage, the rate in ``unit``/s, elapsed time
    and the ETA on stderr. With ``enabled=False``
    it shows nothing.
    """
    if not enabled:
        yield _Null()
        return
    console = Console(file=sys.stderr)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        _RateColumn(unit),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield _Bar(progress, task)


class _RateColumn(TextColumn):
    """Items per second, e.g. ``1.2e+04 ev/s``."""

    def __init__(self, unit: str):
        super().__init__("")
        self._unit = unit

    def render(self, task):  # type: ignore[override]
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text(f"? {self._unit}/s")
        return Text(f"{speed:.3g} {self._unit}/s")
