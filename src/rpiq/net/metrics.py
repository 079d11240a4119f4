"""Server metrics in the Prometheus text exposition format (version 0.0.4).

:class:`PrometheusMetrics` implements :class:`rpiq.net.hooks.ServerMetrics`: the engine calls
it on its event loop, the HTTP listener renders it from another thread; a lock makes both safe
and each call only updates a few integers. Families::

    rpiq_queries_total{sop_class="breast",status="0000"}      C-FINDs by final status
    rpiq_query_duration_seconds_bucket{le="0.005"} ...        C-FIND latency histogram
    rpiq_query_duration_seconds_sum / _count
    rpiq_associations_open                                    associations now established
    rpiq_associations_total                                   associations accepted
    rpiq_associations_rejected_total                          A-ASSOCIATE-RJ sent

``sop_class`` is ``general``, ``breast`` or ``cardiac`` for the RPI SOP classes, else
``other`` (label values never come from what a peer sends, so their number stays bounded);
``status`` is the final status as four upper-case hex digits. No patient data is recorded.
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from collections.abc import Callable, Sequence

from rpiq.service.status import BREAST, CARDIAC, GENERAL

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

DEFAULT_BUCKETS: tuple[float, ...] = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
"""Upper bounds (seconds) of the latency histogram: a C-FIND takes ~1 ms to tens of ms."""

SOP_CLASS_LABELS = {GENERAL.uid: "general", BREAST.uid: "breast", CARDIAC.uid: "cardiac"}
OTHER_SOP_CLASS = "other"

ExtraLines = Callable[[], Sequence[str]]


def _escape(value: str) -> str:
    """A label value per the exposition format: backslash, double quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


class PrometheusMetrics:
    """Counts and latencies of one server process; thread-safe."""

    def __init__(self, buckets: Sequence[float] = DEFAULT_BUCKETS) -> None:
        if list(buckets) != sorted(set(buckets)) or not buckets:
            raise ValueError("histogram buckets must be distinct and increasing")
        self._buckets = tuple(buckets)
        self._lock = threading.Lock()
        self._queries: Counter[tuple[str, str]] = Counter()
        self._bucket_counts = [0] * len(self._buckets)
        self._latency_sum = 0.0
        self._latency_count = 0
        self._open = 0
        self._opened = 0
        self._rejected = 0

    # -- ServerMetrics -----------------------------------------------------------------

    def association_opened(self) -> None:
        with self._lock:
            self._open += 1
            self._opened += 1

    def association_closed(self) -> None:
        with self._lock:
            self._open = max(0, self._open - 1)

    def association_rejected(self) -> None:
        with self._lock:
            self._rejected += 1

    def query_done(self, sop_class_uid: str, status: int, seconds: float) -> None:
        label = SOP_CLASS_LABELS.get(sop_class_uid, OTHER_SOP_CLASS)
        seconds = max(0.0, seconds)
        index = bisect.bisect_left(self._buckets, seconds)
        with self._lock:
            self._queries[(label, f"{status & 0xFFFF:04X}")] += 1
            if index < len(self._bucket_counts):
                self._bucket_counts[index] += 1
            self._latency_sum += seconds
            self._latency_count += 1

    # -- reading -----------------------------------------------------------------------

    @property
    def associations_open(self) -> int:
        with self._lock:
            return self._open

    def query_count(self, sop_class: str | None = None, status: int | None = None) -> int:
        """C-FINDs done, optionally only of one SOP class label and/or final status."""
        wanted_status = None if status is None else f"{status:04X}"
        with self._lock:
            return sum(
                count
                for (label, code), count in self._queries.items()
                if sop_class in (None, label) and wanted_status in (None, code)
            )

    def render(self, extra: Sequence[str] = ()) -> str:
        """The exposition text: every family above, then the ``extra`` lines (already
        formatted, e.g. the HTTP listener's ``rpiq_up``)."""
        with self._lock:
            queries = sorted(self._queries.items())
            buckets = list(self._bucket_counts)
            latency_sum, latency_count = self._latency_sum, self._latency_count
            opened, open_now, rejected = self._opened, self._open, self._rejected
        lines = [
            "# HELP rpiq_queries_total C-FIND requests answered, by SOP class and final status.",
            "# TYPE rpiq_queries_total counter",
        ]
        lines.extend(
            f'rpiq_queries_total{{sop_class="{_escape(label)}",status="{code}"}} {count}'
            for (label, code), count in queries
        )
        lines.extend(self._histogram(buckets, latency_sum, latency_count))
        lines.extend(
            [
                "# HELP rpiq_associations_open Associations established now.",
                "# TYPE rpiq_associations_open gauge",
                f"rpiq_associations_open {open_now}",
                "# HELP rpiq_associations_total Associations accepted.",
                "# TYPE rpiq_associations_total counter",
                f"rpiq_associations_total {opened}",
                "# HELP rpiq_associations_rejected_total Associations rejected (A-ASSOCIATE-RJ).",
                "# TYPE rpiq_associations_rejected_total counter",
                f"rpiq_associations_rejected_total {rejected}",
                *extra,
            ]
        )
        return "\n".join(lines) + "\n"

    def _histogram(self, buckets: list[int], total: float, count: int) -> list[str]:
        name = "rpiq_query_duration_seconds"
        lines = [
            f"# HELP {name} C-FIND time from request to final response.",
            f"# TYPE {name} histogram",
        ]
        cumulative = 0
        for bound, in_bucket in zip(self._buckets, buckets, strict=True):
            cumulative += in_bucket
            lines.append(f'{name}_bucket{{le="{_number(bound)}"}} {cumulative}')
        lines.append(f'{name}_bucket{{le="+Inf"}} {count}')
        lines.append(f"{name}_sum {_number(total)}")
        lines.append(f"{name}_count {count}")
        return lines
