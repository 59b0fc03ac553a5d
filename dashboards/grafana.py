"""The Grafana dashboards in dashboards/grafana/ and their SQL as Grafana would send it to ClickHouse.

Grafana first interpolates template variables (`${tenant:singlequote}`), then the grafana-clickhouse-datasource
plugin (v4, pkg/macros) expands its macros: `$__timeFilter(col)` becomes `col >= toDateTime(<unix s>) AND col <=
toDateTime(<unix s>)`, `$__timeInterval(col)` `toStartOfInterval(toDateTime(col), INTERVAL <n> second)` and so on.
`expand` does both the same way, so every panel's SQL can be run against the real schema before an operator
imports the dashboard.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

GRAFANA_DIR = Path(__file__).with_name("grafana")
PLUGIN = "grafana-clickhouse-datasource"
MACRO = re.compile(r"\$__(\w+)")
VARIABLE = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\$(\w+)")


class MacroError(ValueError):
    """A panel uses a macro the plugin does not define, or with the wrong number of arguments."""


@dataclass(frozen=True)
class TimeRange:
    """The dashboard's time picker and the panel's interval, as Grafana hands them to the plugin."""

    start: datetime
    end: datetime
    interval_s: float = 60.0


@dataclass(frozen=True)
class Target:
    """One query of a panel (or of a template variable) as stored in the dashboard JSON."""

    dashboard: str
    panel: str
    ref_id: str
    sql: str


def dashboards(directory: Path = GRAFANA_DIR) -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))}


def _panels(panels: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))  # rows keep their collapsed panels inside


def targets(name: str, dashboard: Mapping[str, Any]) -> list[Target]:
    """Every ClickHouse query of the dashboard: the panels' SQL targets and the query variables."""
    found = [
        Target(name, panel["title"], target["refId"], target["rawSql"])
        for panel in _panels(dashboard.get("panels", []))
        for target in panel.get("targets", [])
        if target.get("datasource", {}).get("type") == PLUGIN
    ]
    variables = dashboard.get("templating", {}).get("list", [])
    return found + [Target(name, f"variable {v['name']}", "var", v["query"]) for v in variables if v["type"] == "query"]


def _date_time(at: datetime) -> str:
    return f"toDateTime({int(at.timestamp())})"


def _date_time_ms(at: datetime) -> str:
    return f"fromUnixTimestamp64Milli({int(at.timestamp() * 1000)})"


def _date(at: datetime) -> str:
    return f"toDate('{at:%Y-%m-%d}')"


def _between(column: str, low: str, high: str) -> str:
    return f"{column} >= {low} AND {column} <= {high}"


def _macros(r: TimeRange) -> dict[str, tuple[int, Callable[..., str]]]:
    """Name -> (argument count, expansion), as the plugin's macros.go defines them."""
    seconds, millis = max(int(r.interval_s), 1), max(int(r.interval_s * 1000), 1)
    return {
        "fromTime": (0, lambda: _date_time(r.start)),
        "toTime": (0, lambda: _date_time(r.end)),
        "fromTime_ms": (0, lambda: _date_time_ms(r.start)),
        "toTime_ms": (0, lambda: _date_time_ms(r.end)),
        "timeFilter": (1, lambda c: _between(c, _date_time(r.start), _date_time(r.end))),
        "timeFilter_ms": (1, lambda c: _between(c, _date_time_ms(r.start), _date_time_ms(r.end))),
        "dateFilter": (1, lambda c: _between(c, _date(r.start), _date(r.end))),
        "dateTimeFilter": (
            2,
            lambda d, t: (
                f"({_between(d, _date(r.start), _date(r.end))}) AND "
                f"({_between(t, _date_time(r.start), _date_time(r.end))})"
            ),
        ),
        "timeInterval": (1, lambda c: f"toStartOfInterval(toDateTime({c}), INTERVAL {seconds} second)"),
        "timeInterval_ms": (1, lambda c: f"toStartOfInterval(toDateTime64({c}, 3), INTERVAL {millis} millisecond)"),
        "interval_s": (0, lambda: str(math.floor(max(r.interval_s, 1)))),
    }


def _arguments(sql: str, opening: int) -> tuple[list[str], int]:
    """The comma-separated arguments of the parenthesis at `opening`, and the index just after its closing one."""
    depth, args, current = 0, [], ""
    for index in range(opening, len(sql)):
        char = sql[index]
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            args.append(current)
            return [arg.strip() for arg in args if arg.strip()], index + 1
        if char == "," and depth == 1:
            args.append(current)
            current = ""
        elif index > opening:
            current += char
    raise MacroError(f"unbalanced parenthesis after position {opening}: {sql[opening : opening + 40]!r}")


def expand_macros(sql: str, time_range: TimeRange) -> str:
    macros, out, position = _macros(time_range), [], 0
    for match in MACRO.finditer(sql):
        if match.start() < position:
            continue
        name = match.group(1)
        if name not in macros:
            raise MacroError(f"$__{name} is not a macro of {PLUGIN}")
        count, expansion = macros[name]
        end = match.end()
        args: list[str] = []
        if end < len(sql) and sql[end] == "(":
            args, end = _arguments(sql, end)
        if len(args) != count:
            raise MacroError(f"$__{name} takes {count} argument(s), got {len(args)}: {sql[match.start() : end]!r}")
        out += [sql[position : match.start()], expansion(*args)]
        position = end
    return "".join([*out, sql[position:]])


QUOTING = {  # Grafana's formatRegistry: singlequote escapes a quote with a backslash, sqlstring doubles it
    "singlequote": lambda value: "'" + value.replace("'", "\\'") + "'",
    "sqlstring": lambda value: "'" + value.replace("'", "''") + "'",
}


def interpolate(sql: str, variables: Mapping[str, Sequence[str]]) -> str:
    """Grafana's template variables: `${v:singlequote}` -> 'a','b' (also `sqlstring`); `$v`, `${v}` -> a,b."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if name.startswith("__"):
            return match.group(0)  # a macro, the plugin's job
        if name not in variables:
            raise MacroError(f"template variable ${name} is not defined")
        fmt = match.group(2)
        if fmt in QUOTING:
            return ",".join(QUOTING[fmt](v) for v in variables[name])
        if fmt is not None:
            raise MacroError(f"variable format {fmt!r} of ${name} is not supported here")
        return ",".join(variables[name])

    return VARIABLE.sub(value, sql)


def expand(sql: str, time_range: TimeRange, variables: Mapping[str, Sequence[str]]) -> str:
    """The SQL a panel sends to ClickHouse: template variables first (Grafana), then macros (the plugin)."""
    return expand_macros(interpolate(sql, variables), time_range)
