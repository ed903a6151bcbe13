"""Metric names used by PromQL expressions in Grafana dashboards and Prometheus rules, and
the sample names a metrics registry exports, so tests can check one against the other.

Pure functions with no test fixtures: a test against a live ``/metrics`` page can reuse
:func:`metric_names` and :func:`dashboard_expressions` and compare with the names it scrapes.
PromQL is parsed by ``promql-parser`` (the Rust parser of GreptimeDB), not by regular
expressions, so functions, keywords, label names and strings are never taken for metrics.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import promql_parser
from prometheus_client import CollectorRegistry

# Series Prometheus makes itself (per scrape target, per alert), not exported by anyone.
PROMETHEUS_SERIES = frozenset(
    {
        "up",
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
        "ALERTS",
        "ALERTS_FOR_STATE",
    }
)

# Sample-name suffixes of each metric type, as prometheus_client exposes them (the family
# name of a counter has no ``_total``; its samples do).
SUFFIXES: Mapping[str, tuple[str, ...]] = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gaugehistogram": ("_bucket", "_gcount", "_gsum"),
    "summary": ("_count", "_sum", "_created"),  # prometheus_client exports no quantiles
    "info": ("_info",),
    "stateset": ("",),
    "enum": ("",),
    "unknown": ("",),
}

# Grafana's interval variables stand where PromQL wants a duration; other variables stand in
# label values (``instance=~"$instance"``).
_INTERVAL_VARIABLE = re.compile(r"\$\{?__(?:rate_interval|interval|range)(?:_ms|_s)?\}?")
_VARIABLE = re.compile(
    r"\$\{[A-Za-z0-9_]+(?::[^}]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*|\[\[[A-Za-z0-9_]+\]\]"
)
_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?:(?P<selector>.+),\s*)?[A-Za-z_]\w*\s*\)\s*$")
_QUERY_RESULT = re.compile(r"^\s*query_result\((?P<expr>.+)\)\s*$", re.DOTALL)


class PromQLNameError(ValueError):
    """An expression that does not parse, or names its metric in a way that cannot be checked."""


def metric_names(expr: str) -> frozenset[str]:
    """Every metric name selected by the PromQL expression ``expr``.

    Raises PromQLNameError if ``expr`` is not valid PromQL or selects metrics by a regular
    expression on ``__name__``, which no name check could follow.
    """
    try:
        tree = promql_parser.parse(expr)
    except ValueError as exc:
        raise PromQLNameError(f"invalid PromQL {expr!r}: {exc}") from exc
    found: set[str] = set()
    problems: list[str] = []

    def visit(node: Any) -> None:
        if not isinstance(node, promql_parser.VectorSelector):
            return
        if node.name:
            found.add(node.name)
            return
        for matcher in node.matchers.matchers:
            if matcher.name != "__name__":
                continue
            if matcher.op == promql_parser.MatchOp.Equal:
                found.add(matcher.value)
            else:
                problems.append(f"__name__ {matcher.op} {matcher.value!r}")

    promql_parser.walk(tree, visit)
    if problems:
        raise PromQLNameError(f"cannot check metric names in {expr!r}: {', '.join(problems)}")
    return frozenset(found)


def substitute_grafana_variables(expr: str) -> str:
    """``expr`` with Grafana's template variables replaced by values PromQL accepts."""
    return _VARIABLE.sub("x", _INTERVAL_VARIABLE.sub("5m", expr))


def variable_query_expression(query: str) -> str | None:
    """The PromQL inside a Grafana Prometheus variable query (``label_values(sel, label)``,
    ``query_result(expr)``), or None if it selects no series (``label_values(label)``)."""
    match = _LABEL_VALUES.match(query)
    if match is not None:
        return match.group("selector")
    match = _QUERY_RESULT.match(query)
    if match is not None:
        return match.group("expr")
    raise PromQLNameError(f"unsupported Grafana variable query {query!r}")


def dashboard_expressions(dashboard: Mapping[str, Any]) -> list[str]:
    """Every PromQL expression of a Grafana dashboard (panel targets, annotations, panels in
    rows, template variable queries), with Grafana variables substituted."""
    found = [str(expr) for expr in _values_of_key(dashboard, "expr")]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        query = variable.get("query")
        if isinstance(query, Mapping):
            query = query.get("query")
        inner = variable_query_expression(str(query))
        if inner is not None:
            found.append(inner)
    return [substitute_grafana_variables(expr) for expr in found]


def rule_expressions(rules: Mapping[str, Any]) -> list[str]:
    """The ``expr`` of every alerting and recording rule of a Prometheus rules document."""
    return [str(rule["expr"]) for group in rules.get("groups", []) for rule in group["rules"]]


def rule_test_series(tests: Mapping[str, Any]) -> list[str]:
    """The input series selectors and PromQL expressions of a ``promtool test rules`` file."""
    found: list[str] = []
    for case in tests.get("tests", []):
        found += [str(series["series"]) for series in case.get("input_series", [])]
        found += [str(test["expr"]) for test in case.get("promql_expr_test", [])]
    return found


def exported_sample_names(registry: CollectorRegistry) -> frozenset[str]:
    """Every sample name the registry's families expose or would expose once their label
    children exist (a labelled family exports nothing until first used)."""
    names: set[str] = set()
    for family in registry.collect():
        names.update(family.name + suffix for suffix in SUFFIXES[family.type])
        names.update(sample.name for sample in family.samples)
    return frozenset(names)


def _values_of_key(node: Any, key: str) -> Iterator[Any]:
    if isinstance(node, Mapping):
        for name, value in node.items():
            if name == key and isinstance(value, str):
                yield value
            else:
                yield from _values_of_key(value, key)
    elif isinstance(node, list):
        for item in node:
            yield from _values_of_key(item, key)
