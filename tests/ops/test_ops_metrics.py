"""Prometheus metrics: the exposition text, the histogram, thread safety."""

from __future__ import annotations

import re
import threading

import pytest

from rpiq.net.metrics import DEFAULT_BUCKETS, PrometheusMetrics
from rpiq.service.status import BREAST, CARDIAC, GENERAL

SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(\{(?P<labels>[^}]*)\})? (?P<value>\S+)$")


def parse_exposition(text: str) -> dict[str, float]:
    """``name{labels}`` → value for every sample line; checks every line's syntax."""
    samples: dict[str, float] = {}
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = SAMPLE.match(line)
        assert match is not None, line
        key = match["name"] + (f"{{{match['labels']}}}" if match["labels"] else "")
        assert key not in samples, f"duplicate sample {key}"
        samples[key] = float(match["value"])
    return samples


def test_queries_are_counted_by_sop_class_and_final_status() -> None:
    metrics = PrometheusMetrics()
    metrics.query_done(BREAST.uid, 0x0000, 0.002)
    metrics.query_done(BREAST.uid, 0x0000, 0.003)
    metrics.query_done(CARDIAC.uid, 0xC000, 0.004)
    metrics.query_done(GENERAL.uid, 0xA900, 0.001)
    metrics.query_done("1.2.3.4", 0x0122, 0.001)
    samples = parse_exposition(metrics.render())
    assert samples['rpiq_queries_total{sop_class="breast",status="0000"}'] == 2
    assert samples['rpiq_queries_total{sop_class="cardiac",status="C000"}'] == 1
    assert samples['rpiq_queries_total{sop_class="general",status="A900"}'] == 1
    assert samples['rpiq_queries_total{sop_class="other",status="0122"}'] == 1
    assert metrics.query_count() == 5
    assert metrics.query_count("breast") == 2
    assert metrics.query_count(status=0xC000) == 1


def test_the_latency_histogram_is_cumulative_with_sum_and_count() -> None:
    metrics = PrometheusMetrics()
    for seconds in (0.0004, 0.002, 0.002, 0.3, 42.0):
        metrics.query_done(GENERAL.uid, 0x0000, seconds)
    samples = parse_exposition(metrics.render())
    name = "rpiq_query_duration_seconds"
    assert samples[f'{name}_bucket{{le="0.0005"}}'] == 1
    assert samples[f'{name}_bucket{{le="0.001"}}'] == 1
    assert samples[f'{name}_bucket{{le="0.0025"}}'] == 3
    assert samples[f'{name}_bucket{{le="0.25"}}'] == 3
    assert samples[f'{name}_bucket{{le="0.5"}}'] == 4
    assert samples[f'{name}_bucket{{le="10"}}'] == 4
    assert samples[f'{name}_bucket{{le="+Inf"}}'] == 5
    assert samples[f"{name}_count"] == 5
    assert samples[f"{name}_sum"] == pytest.approx(42.3044)
    buckets = [value for key, value in samples.items() if key.startswith(f"{name}_bucket")]
    assert buckets == sorted(buckets)
    assert len(buckets) == len(DEFAULT_BUCKETS) + 1


def test_associations_open_total_and_rejected() -> None:
    metrics = PrometheusMetrics()
    for _ in range(3):
        metrics.association_opened()
    metrics.association_closed()
    metrics.association_rejected()
    samples = parse_exposition(metrics.render(["rpiq_up 1"]))
    assert samples["rpiq_associations_open"] == 2
    assert samples["rpiq_associations_total"] == 3
    assert samples["rpiq_associations_rejected_total"] == 1
    assert samples["rpiq_up"] == 1
    assert metrics.associations_open == 2


def test_every_family_has_help_and_type_before_its_samples() -> None:
    metrics = PrometheusMetrics()
    metrics.query_done(GENERAL.uid, 0x0000, 0.01)
    text = metrics.render()
    declared: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            declared.add(line.split()[2])
        elif not line.startswith("#"):
            name = re.split(r"[{ ]", line)[0]
            family = re.sub(r"_(bucket|sum|count)$", "", name)
            assert family in declared or name in declared, line


def test_concurrent_updates_and_renders_lose_nothing() -> None:
    metrics = PrometheusMetrics()
    per_thread = 2000
    threads = 4
    start = threading.Barrier(threads + 1)

    def hammer() -> None:
        start.wait()
        for index in range(per_thread):
            metrics.association_opened()
            metrics.query_done(BREAST.uid, 0x0000, index * 1e-6)
            metrics.association_closed()

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    while any(worker.is_alive() for worker in workers):
        parse_exposition(metrics.render())  # a render mid-update is still well formed
    for worker in workers:
        worker.join()
    samples = parse_exposition(metrics.render())
    total = per_thread * threads
    assert samples['rpiq_queries_total{sop_class="breast",status="0000"}'] == total
    assert samples['rpiq_query_duration_seconds_bucket{le="+Inf"}'] == total
    assert samples["rpiq_associations_total"] == total
    assert samples["rpiq_associations_open"] == 0


def test_buckets_must_increase() -> None:
    with pytest.raises(ValueError, match="increasing"):
        PrometheusMetrics(buckets=(0.1, 0.05))
