"""Seconds per named step of an asset, summed over its calls: where the time of a stage goes.

An asset collects them with `with StepTimes() as times:` and puts `times.metadata()` in its
materialisation, so Dagster's UI shows them and `make bench` reports them per stage
(`bench/stage.py`). The code doing the work marks its steps with `with step("reading"):`; the
active collector is found through a context variable, so the helpers deep in a stage need no
extra parameter, and outside a collector a step costs nothing but a clock read. Steps may
nest: a step's time is its own, without the steps inside it, so the steps add up to the whole;
`other` is the collector's time outside every step.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from dagster import MetadataValue

METADATA_KEY = "seconds_by_step"
_ACTIVE: ContextVar[StepTimes | None] = ContextVar("step_times", default=None)


class StepTimes:
    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._open: list[str] = []  # the steps being timed, innermost last
        self._token = None
        self._started = self._ended = 0.0

    def __enter__(self) -> StepTimes:
        self._token = _ACTIVE.set(self)
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._ended = time.perf_counter()
        _ACTIVE.reset(self._token)

    def metadata(self) -> dict[str, MetadataValue]:
        """The steps' seconds and `other`, for a collector that has been left."""
        other = self._ended - self._started - sum(self.seconds.values())
        rounded = {name: round(s, 3) for name, s in {**self.seconds, "other": other}.items()}
        return {METADATA_KEY: MetadataValue.json(rounded)}


@contextmanager
def step(name: str) -> Iterator[None]:
    """Count the time inside the block, less that of the steps inside it, to step `name` of the
    active collector, if any."""
    times = _ACTIVE.get()
    if times is None:
        yield
        return
    started = time.perf_counter()
    times._open.append(name)
    try:
        yield
    finally:
        times._open.pop()
        elapsed = time.perf_counter() - started
        times.seconds[name] += elapsed
        if times._open:
            times.seconds[times._open[-1]] -= elapsed
