"""Prometheus metrics, in a registry per app so several apps (tests) can live in one process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

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
        self.registry.register(QueueCollector(store))
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

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
