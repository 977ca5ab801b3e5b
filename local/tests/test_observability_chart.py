"""The alert rules and the dashboard of charts/pocdex-observability name only what the code exports.

The metric definitions are read from the code itself (every ``Counter``,
``Gauge``, ``Histogram`` and ``*MetricFamily`` of shared/ and the services,
with their label names), so a metric renamed in the code, or a rule written
against a metric or label that does not exist, fails here instead of in a
silent alert. The PromQL is checked by a small reader, not by Prometheus
(promtool is not available): balanced brackets outside strings, known
functions and aggregations, a range on every rate-like function, metric names
and the label names of matchers and groupings. Operator precedence, types
(vector against scalar) and the validity of regular expressions inside label
matchers are not verified.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "pocdex-observability"
RULES = CHART / "files" / "rules.yaml"
DASHBOARD = CHART / "files" / "dashboard.json"
OPERATIONS = ROOT / "docs" / "operations.md"

# Labels the Prometheus Operator puts on every scraped series, and Prometheus's own series.
TARGET_LABELS = frozenset({"job", "instance", "namespace", "pod", "container", "endpoint"})
BUILTIN_SERIES: dict[str, frozenset[str]] = {"up": frozenset()}

FUNCTIONS = frozenset(
    {
        "abs", "absent", "absent_over_time", "avg_over_time", "ceil", "changes", "clamp",
        "clamp_max", "clamp_min", "count_over_time", "delta", "deriv", "exp", "floor",
        "histogram_quantile", "holt_winters", "idelta", "increase", "irate", "label_join",
        "label_replace", "last_over_time", "ln", "log2", "log10", "max_over_time",
        "min_over_time", "predict_linear", "quantile_over_time", "rate", "resets", "round",
        "scalar", "sort", "sort_desc", "sqrt", "stddev_over_time", "sum_over_time", "time",
        "timestamp", "vector",
    }
)  # fmt: skip
AGGREGATIONS = frozenset(
    {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
     "bottomk", "topk", "quantile"}
)  # fmt: skip
KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
                      "group_left", "group_right", "inf", "nan"})  # fmt: skip
RANGE_FUNCTIONS = frozenset(
    {"rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets"}
    | {name for name in FUNCTIONS if name.endswith("_over_time")}
)
METRIC_CLASSES = {
    "Counter": "counter",
    "Gauge": "gauge",
    "Histogram": "histogram",
    "Summary": "summary",
    "CounterMetricFamily": "counter",
    "GaugeMetricFamily": "gauge",
    "HistogramMetricFamily": "histogram",
}


# ------------------------------------------------------------------ what the code exports


def _strings(node: ast.AST | None) -> list[str] | None:
    if isinstance(node, ast.List | ast.Tuple) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return [e.value for e in node.elts]  # type: ignore[attr-defined]
    return None


def metric_definitions(paths: list[Path]) -> dict[str, tuple[str, frozenset[str]]]:
    """name -> (type, label names) of every metric the given Python files define."""
    found: dict[str, tuple[str, frozenset[str]]] = {}
    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in METRIC_CLASSES or not node.args:
                continue
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue  # collections.Counter(...) and the like
            labels = _strings(node.args[2]) if len(node.args) > 2 else None
            for keyword in node.keywords:
                if keyword.arg in {"labelnames", "labels"}:
                    labels = _strings(keyword.value)
            found[first.value] = (METRIC_CLASSES[name], frozenset(labels or ()))
    return found


@functools.cache
def code_files() -> list[Path]:
    roots = [ROOT / "shared" / "src", *sorted((ROOT / "services").glob("*"))]
    return [
        path
        for root in roots
        for path in root.rglob("*.py")
        if "tests" not in path.relative_to(ROOT).parts and "migrations" not in path.parts
    ]


def exported_series(
    definitions: dict[str, tuple[str, frozenset[str]]],
) -> dict[str, frozenset[str]]:
    """Every series name a scrape can show (``_total``, ``_bucket``, ...) -> its label names."""
    series: dict[str, frozenset[str]] = dict(BUILTIN_SERIES)
    for name, (kind, labels) in definitions.items():
        if kind == "counter":
            base = name.removesuffix("_total")
            series[f"{base}_total"] = labels
            series[f"{base}_created"] = labels
        elif kind == "histogram":
            series[f"{name}_bucket"] = labels | {"le"}
            series[f"{name}_count"] = labels
            series[f"{name}_sum"] = labels
        elif kind == "summary":
            series[name] = labels | {"quantile"}
            series[f"{name}_count"] = labels
            series[f"{name}_sum"] = labels
        else:
            series[name] = labels
    return series


# ------------------------------------------------------------------ a PromQL reader


@dataclass
class Query:
    expr: str
    metrics: dict[str, set[str]] = field(default_factory=dict)  # name -> matcher label names
    grouping: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    created: set[str] = field(default_factory=set)  # label_replace destinations


class PromQLError(ValueError):
    pass


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
_DURATION = re.compile(r"\[[^\]]*\]")
_SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)?\s*\{([^{}]*)\}")
_MATCHER = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*\"\"\s*")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_:.])\d+(\.\d+)?([eE][+-]?\d+)?")


def _balanced(text: str) -> None:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for char in text:
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            raise PromQLError(f"unbalanced {char!r}")
    if stack:
        raise PromQLError(f"unclosed {stack[-1]!r}")


def _call_arguments(text: str, start: int) -> str:
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return text[start + 1 : index]
    raise PromQLError("unclosed call")


def parse(expr: str) -> Query:
    query = Query(expr)
    # Strings blanked out in place (same length), so that brackets inside them do not count.
    text = _STRING.sub(lambda m: m.group(0)[0] + "_" * (len(m.group(0)) - 2) + m.group(0)[-1], expr)
    _balanced(text)
    for match in re.finditer(r"\b([a-z_]+)\s*\(", text):
        name, start = match.group(1), match.end() - 1
        arguments = _call_arguments(text, start)
        if name in RANGE_FUNCTIONS and "[" not in arguments:
            raise PromQLError(f"{name}() needs a range vector")
        if name == "label_replace":
            # label_replace(vector, "dst", "replacement", "src", "regex"): the last four strings.
            literals = _STRING.findall(expr[start + 1 : start + 1 + len(arguments)])
            if len(literals) < 4 or not arguments.rstrip().endswith('"'):
                raise PromQLError("label_replace takes a vector and four strings")
            query.created.add(literals[-4][1:-1])
    text = _STRING.sub('""', text)
    for match in _GROUPING.finditer(text):
        query.grouping |= {label.strip() for label in match.group(2).split(",") if label.strip()}
    text = _GROUPING.sub(" ", text)
    text = _DURATION.sub(" ", text)

    def selector(match: re.Match[str]) -> str:
        name, body = match.group(1), match.group(2)
        if not name:
            raise PromQLError("a selector without a metric name")
        labels = set()
        for part in filter(None, (p.strip() for p in body.split(","))):
            matcher = _MATCHER.fullmatch(part)
            if matcher is None:
                raise PromQLError(f"not a label matcher: {part!r}")
            labels.add(matcher.group(1))
        query.metrics.setdefault(name, set()).update(labels)
        return " "

    text = _SELECTOR.sub(selector, text)
    if re.search(r"[{}\[\]]", text):
        raise PromQLError("a brace or bracket outside a selector or range")
    text = _NUMBER.sub(" ", text)
    for match in _IDENT.finditer(text):
        word = match.group(0)
        following = text[match.end() :].lstrip()[:1]
        if word in KEYWORDS:
            continue
        if following == "(":
            if word not in FUNCTIONS | AGGREGATIONS:
                raise PromQLError(f"unknown function {word!r}")
            query.functions.add(word)
        else:
            query.metrics.setdefault(word, set())
    return query


# ------------------------------------------------------------------ checking rules and panels


@dataclass
class Catalog:
    series: dict[str, frozenset[str]]
    recorded: dict[str, frozenset[str]]

    def labels_of(self, name: str) -> frozenset[str] | None:
        if name in self.series:
            return self.series[name] | TARGET_LABELS
        if name in self.recorded:
            return self.recorded[name]
        return None

    def check(self, expr: str) -> Query:
        query = parse(expr)
        if not query.metrics:
            raise PromQLError("names no metric")
        available: set[str] = set(query.created)
        for name, matched in query.metrics.items():
            labels = self.labels_of(name)
            if labels is None:
                raise PromQLError(f"{name!r} is neither exported by the code nor recorded")
            unknown = matched - labels
            if unknown:
                raise PromQLError(f"{name!r} has no label {sorted(unknown)}")
            available |= labels
        unknown_grouping = query.grouping - available
        if unknown_grouping:
            raise PromQLError(f"grouping by labels no metric here has: {sorted(unknown_grouping)}")
        if "histogram_quantile" in query.functions and not (
            "le" in query.grouping and any(n.endswith("_bucket") for n in query.metrics)
        ):
            raise PromQLError("histogram_quantile needs _bucket series summed by le")
        return query


def rule_groups() -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = yaml.safe_load(RULES.read_text())["groups"]
    return groups


def rules() -> Iterator[dict[str, Any]]:
    for group in rule_groups():
        yield from group["rules"]


@functools.cache
def code_series() -> dict[str, frozenset[str]]:
    return exported_series(metric_definitions(code_files()))


def catalog() -> Catalog:
    series = code_series()
    base = Catalog(series, {})
    recorded: dict[str, frozenset[str]] = {}
    for rule in rules():
        if "record" in rule:
            query = parse(rule["expr"])
            recorded[rule["record"]] = frozenset(query.grouping | query.created) - {"le"}
            base.recorded = recorded
    return Catalog(series, recorded)


def dashboard_queries(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from dashboard_queries(value)
    elif isinstance(node, list):
        for item in node:
            yield from dashboard_queries(item)


LABEL_VALUES = re.compile(r"label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,\s*([A-Za-z_]+)\s*\)")


# ------------------------------------------------------------------ tests


def test_the_code_exports_the_metrics_the_platform_relies_on() -> None:
    series = exported_series(metric_definitions(code_files()))
    # The Helm charts scale workers on this series: its name and label are a contract.
    assert series["pocdex_celery_queue_depth"] >= {"queue", "service"}
    assert series["http_requests_total"] >= {"service", "route", "status"}
    assert "tenant" not in series["pocdex_tenant_usage_total"]
    assert series["pocdex_tenant_usage_top"] >= {"tenant", "kind"}


@pytest.mark.parametrize(
    "rule", list(rules()), ids=lambda rule: rule.get("alert") or rule.get("record")
)
def test_every_rule_names_only_exported_metrics_and_labels(rule: dict[str, Any]) -> None:
    catalog().check(rule["expr"])


def test_every_rule_is_well_formed() -> None:
    names = set()
    for group in rule_groups():
        assert group["name"] and group["rules"]
        for rule in group["rules"]:
            assert ("alert" in rule) != ("record" in rule)
            name = rule.get("alert") or rule["record"]
            assert name not in names, f"{name} is defined twice"
            names.add(name)
            if "record" in rule:
                assert re.fullmatch(r"[a-z_]+:[a-z0-9_]+:[a-z0-9_]+", rule["record"]), name
                continue
            assert re.fullmatch(r"Pocdex[A-Za-z0-9]+", name)
            assert rule["labels"]["severity"] in {"page", "ticket"}
            assert rule["annotations"]["summary"]
            assert re.fullmatch(r"\d+[smh]", rule["for"])


def test_every_alert_has_its_runbook_and_every_runbook_an_alert() -> None:
    text = OPERATIONS.read_text()
    runbooks = text.split("\n## Runbooks\n", 1)[1].split("\n## ", 1)[0]
    headings = set(re.findall(r"^### (Pocdex\w+)$", runbooks, flags=re.MULTILINE))
    alerts = {rule["alert"] for rule in rules() if "alert" in rule}
    assert alerts == headings
    for rule in rules():
        if "alert" in rule:
            assert rule["annotations"]["runbook_url"] == (
                f"docs/operations.md#{rule['alert'].lower()}"
            )


def test_every_dashboard_query_names_only_exported_metrics_and_labels() -> None:
    board = json.loads(DASHBOARD.read_text())
    known = catalog()
    queries = list(dashboard_queries(board["panels"]))
    assert len(queries) >= 18
    for expr in queries:
        try:
            known.check(expr.replace("$service", "x").replace("$kind", "x"))
        except PromQLError as exc:
            raise AssertionError(f"{expr}: {exc}") from None
    for variable in board["templating"]["list"]:
        if variable["type"] != "query":
            continue
        name, label = LABEL_VALUES.fullmatch(variable["definition"]).groups()  # type: ignore[union-attr]
        labels = known.labels_of(name)
        assert labels is not None and label in labels, variable["definition"]


def test_every_dashboard_panel_is_placed_and_has_a_data_source() -> None:
    board = json.loads(DASHBOARD.read_text())
    assert board["uid"] == "pocdex-overview"
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}"
            assert panel["targets"]


# The reader must be able to say no.
@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("sum(rate(http_request_total[5m]))", "neither exported"),
        ('sum(rate(http_requests_total{tenant="acme"}[5m]))', "has no label"),
        ("sum by (tenant) (rate(http_requests_total[5m]))", "grouping by labels"),
        ("sum(rate(http_requests_total[5m])", "unclosed"),
        ("sum(rate(http_requests_total[5m])))", "unbalanced"),
        ("summ(rate(http_requests_total[5m]))", "unknown function"),
        ("sum(rate(http_requests_total))", "needs a range"),
        (
            "histogram_quantile(0.95, sum by (service) (rate(pocdex_celery_task_run_seconds_bucket[5m])))",
            "summed by le",
        ),
        ('{__name__="up"}', "without a metric name"),
        ("pocdex:no_such:recording", "neither exported"),
    ],
)
def test_the_reader_refuses_broken_queries(expr: str, message: str) -> None:
    with pytest.raises(PromQLError, match=message):
        catalog().check(expr)


def test_a_metric_renamed_in_the_code_is_noticed(tmp_path: Path) -> None:
    module = tmp_path / "renamed.py"
    module.write_text(
        "from prometheus_client import Gauge\n"
        'QUEUE = Gauge("pocdex_celery_queue_length", "renamed", ["service", "queue"])\n'
    )
    series = exported_series(metric_definitions([module]))
    renamed = Catalog(series, {})
    with pytest.raises(PromQLError, match="neither exported"):
        renamed.check("max by (service, queue) (pocdex_celery_queue_depth) > 1000")
