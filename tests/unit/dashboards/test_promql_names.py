"""The metric-name extractor itself: what it counts as a metric and what it refuses."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary

from tests.unit.dashboards.promql_names import (
    PromQLNameError,
    dashboard_expressions,
    exported_sample_names,
    metric_names,
    rule_expressions,
    rule_test_series,
    substitute_grafana_variables,
    variable_query_expression,
)


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("up", {"up"}),
        ('rate(a_total{kind="door", reason=~"b|c"}[5m])', {"a_total"}),
        (
            "sum by (kind, le) (rate(x_bucket[5m])) / on (kind) group_left (instance) y",
            {"x_bucket", "y"},
        ),
        ("histogram_quantile(0.99, sum by (le) (rate(lat_bucket[1m])))", {"lat_bucket"}),
        ("a > bool 3 and b offset 5m or c @ 100 unless d", {"a", "b", "c", "d"}),
        ('{__name__="by_name", job="hub"}', {"by_name"}),
        ("max_over_time(deriv(g[10m])[1h:5m])", {"g"}),
        ('label_replace(m, "dst", "$1", "src", "(.*)")', {"m"}),
        ("-(sum without (instance) (n)) * 2", {"n"}),
        ("time() - 3", set()),
        ('count by (rate) (sum{rate="sum"})', {"sum"}),
    ],
)
def test_metric_names_finds_exactly_the_selected_metrics(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_metric_names_rejects_invalid_promql() -> None:
    with pytest.raises(PromQLNameError, match="invalid PromQL"):
        metric_names("sum(rate(a[5m])")


def test_metric_names_refuses_names_chosen_by_regex() -> None:
    with pytest.raises(PromQLNameError, match="cannot check"):
        metric_names('{__name__=~"hub_.*"}')


def test_grafana_variables_become_valid_promql() -> None:
    expr = (
        'sum(rate(a_total{instance=~"$instance", kind="${kind}", x="${y:regex}", z="[[old]]"}'
        "[$__rate_interval])) / sum(increase(b[${__range}]))"
    )
    substituted = substitute_grafana_variables(expr)
    assert "$" not in substituted and "[[" not in substituted
    assert "[5m]" in substituted
    assert metric_names(substituted) == {"a_total", "b"}


def test_variable_queries() -> None:
    assert variable_query_expression("label_values(hub_up{job='x'}, instance)") == (
        "hub_up{job='x'}"
    )
    assert variable_query_expression("label_values(instance)") is None
    assert variable_query_expression("query_result(topk(5, m))") == "topk(5, m)"
    with pytest.raises(PromQLNameError):
        variable_query_expression("metrics(hub_.*)")


def test_dashboard_expressions_reach_rows_annotations_and_variables() -> None:
    dashboard = {
        "annotations": {"list": [{"expr": "changes(r_total[2m]) > 0"}]},
        "templating": {
            "list": [
                {"type": "query", "query": {"query": "label_values(v, instance)"}},
                {"type": "query", "query": "label_values(kind)"},
                {"type": "custom", "query": "a,b"},
            ]
        },
        "panels": [
            {"type": "row", "panels": [{"targets": [{"expr": "nested[$__interval]"}]}]},
            {"targets": [{"expr": 'top{i=~"$instance"}'}, {"refId": "B"}]},
        ],
    }
    exprs = dashboard_expressions(dashboard)
    names = set().union(*(metric_names(expr) for expr in exprs))
    assert names == {"r_total", "v", "nested", "top"}


def test_rule_and_rule_test_expressions() -> None:
    rules = {
        "groups": [
            {"name": "g", "rules": [{"alert": "A", "expr": "a > 1"}, {"record": "r", "expr": "b"}]}
        ]
    }
    assert rule_expressions(rules) == ["a > 1", "b"]
    tests = {
        "tests": [
            {
                "input_series": [{"series": 'c{job="hub"}', "values": "1x3"}],
                "promql_expr_test": [{"expr": "sum(d)", "eval_time": "1m"}],
            }
        ]
    }
    assert rule_test_series(tests) == ['c{job="hub"}', "sum(d)"]


def test_exported_sample_names_cover_unused_labelled_families() -> None:
    registry = CollectorRegistry()
    Counter("jobs", "Jobs.", ["kind"], registry=registry)
    Gauge("depth", "Depth.", registry=registry)
    Histogram("lat_seconds", "Latency.", ["kind"], registry=registry)
    Summary("size_bytes", "Size.", registry=registry)
    names = exported_sample_names(registry)
    assert {"jobs_total", "jobs_created", "depth"} <= names
    assert {"lat_seconds_bucket", "lat_seconds_count", "lat_seconds_sum"} <= names
    assert {"size_bytes_count", "size_bytes_sum"} <= names
    assert "jobs" not in names  # a counter is only ever exposed with its _total suffix
    assert "lat_seconds" not in names


def test_exported_sample_names_agree_with_what_prometheus_client_exposes() -> None:
    """The suffix table must predict exactly the samples of families that have children."""
    from prometheus_client import generate_latest

    registry = CollectorRegistry()
    Counter("c", "C.", ["k"], registry=registry).labels("x").inc()
    Gauge("g", "G.", ["k"], registry=registry).labels("x").set(1)
    Histogram("h", "H.", ["k"], registry=registry).labels("x").observe(1)
    Summary("s", "S.", ["k"], registry=registry).labels("x").observe(1)
    text = generate_latest(registry).decode()
    exposed = {
        line.split("{")[0].split(" ")[0]
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    assert exposed == set(exported_sample_names(registry))
