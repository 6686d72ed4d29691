"""Prometheus metrics, in a registry per app so several apps (tests) can live in one process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from proctor.grading import timeline
from proctor.grading.results import RunResult
from proctor.store import Store, submissions


class QueueCollector(Collector):
    """Submissions per status, read from the database when scraped."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily("proctor_submissions", "Submissions by queue status", labels=["status"])
        counts = submissions.status_counts(self.store)
        for status in ("queued", "running", "done"):
            gauge.add_metric([status], counts.get(status, 0))
        yield gauge


class Metrics:
    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("proctor_http_requests", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("proctor_http_request_seconds", "HTTP request latency", ["route"],
                                 registry=self.registry)
        self.gradings = Counter("proctor_gradings", "Gradings recorded", ["suite", "status"], registry=self.registry)
        self.grading_seconds = Histogram("proctor_grading_seconds", "Time to grade one submission",
                                         buckets=(0.5, 1, 2, 5, 10, 20, 30, 60), registry=self.registry)
        self.grading_steps = Histogram("proctor_grading_step_seconds", "Time of each step of a grading "
                                       "(grading/timeline.py: grader_start, app_start, app_import, collect, tests, "
                                       "teardown)", ["step"], registry=self.registry,
                                       buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.grading_cpu = Counter("proctor_grading_cpu_seconds", "CPU used by the gradings' app and grader "
                                   "processes, from their cgroups", ["process"], registry=self.registry)
        self.registry.register(QueueCollector(store))
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def count_grading(self, suite: str, result: RunResult, seconds: float) -> None:
        self.gradings.labels(suite, result.status.value).inc()
        self.grading_seconds.observe(seconds)
        for step, ms in timeline.steps(result.timeline_ms).items():
            self.grading_steps.labels(step).observe(ms / 1000)
        for process, ms in result.cpu_ms.items():
            self.grading_cpu.labels(process).inc(ms / 1000)

    def count_request(self, method: str, route: str, status: int, seconds: float) -> None:
        # labels() validates and locks on every call; the children are few (routes x methods x statuses), so
        # each is looked up once.
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (self.requests.labels(method, route, str(status)),
                                               self.latency.labels(route))
        children[0].inc()
        children[1].observe(seconds)
