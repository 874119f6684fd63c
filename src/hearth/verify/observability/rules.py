"""Alerting rules indexed by the label matchers of their expressions, so each component and backup finds its rules
without re-reading every expression.

A rule *selects* ``label=value`` when a matcher on ``label`` in its expression is ``label="value"`` or a regex
``label=~"..."`` that fully matches ``value`` (a pattern that does not compile selects nothing). Exact matchers and
regexes that are only literal alternatives (``a|b|c``, what hearth renders for a component's jobs) are looked up
in a table; other regexes are tried one by one, and are few.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from hearth.verify.build.fields import as_mapping

__all__ = ["MATCHER", "RuleIndex", "matched", "selects"]

MATCHER = re.compile(r'(\w+)\s*(=~|=)\s*"([^"]*)"')
_LITERALS = re.compile(r"[A-Za-z0-9_/-]+(?:\|[A-Za-z0-9_/-]+)*")  # no metacharacter but the alternation


def matched(expr: str, label: str) -> list[tuple[str, str]]:
    """(operator, value) of every matcher on ``label`` in a PromQL expression."""
    return [(op, value) for name, op, value in MATCHER.findall(expr) if name == label]


def selects(expr: str, label: str, value: str) -> bool:
    """Does a matcher on ``label`` select ``value`` (exactly, or by a regex)? The unindexed form of the rule."""
    for op, pattern in matched(expr, label):
        if op == "=" and pattern == value:
            return True
        if op == "=~":
            try:
                if re.fullmatch(pattern, value):
                    return True
            except re.error:
                continue
    return False


class RuleIndex:
    """The rules of a build, by the values their matchers select, their ``component`` label and their metrics."""

    def __init__(self, rules: Sequence[Mapping[str, Any]]) -> None:
        self.rules = list(rules)
        self._exact: dict[tuple[str, str], set[int]] = {}
        self._patterns: dict[str, list[tuple[int, re.Pattern[str]]]] = {}
        self._component: dict[object, set[int]] = {}
        self._labels: list[frozenset[str]] = []
        for i, rule in enumerate(self.rules):
            expr = str(rule.get("expr", ""))
            names = set()
            for name, op, value in MATCHER.findall(expr):
                names.add(name)
                if op == "=":
                    self._exact.setdefault((name, value), set()).add(i)
                elif _LITERALS.fullmatch(value):
                    for literal in value.split("|"):
                        self._exact.setdefault((name, literal), set()).add(i)
                else:
                    try:
                        self._patterns.setdefault(name, []).append((i, re.compile(value)))
                    except re.error:
                        continue
            self._labels.append(frozenset(names))
            component = as_mapping(rule.get("labels")).get("component")
            try:
                self._component.setdefault(component, set()).add(i)
            except TypeError:  # an unhashable label value names no component
                continue

    def selecting(self, label: str, value: str) -> set[int]:
        """Positions of the rules with a matcher on ``label`` that selects ``value``."""
        found = set(self._exact.get((label, value), ()))
        found.update(i for i, pattern in self._patterns.get(label, []) if pattern.fullmatch(value))
        return found

    def of_component(self, name: str) -> set[int]:
        """Positions of the rules whose ``component`` label is ``name``."""
        return set(self._component.get(name, ()))

    def without_matcher(self, label: str, metric: str) -> set[int]:
        """Positions of the rules whose expression mentions ``metric`` and has no matcher on ``label``."""
        mention = (i for i, rule in enumerate(self.rules) if metric in str(rule.get("expr", "")))
        return {i for i in mention if label not in self._labels[i]}

    def alerts(self, positions: set[int]) -> list[str]:
        """The ``alert`` names of the rules at ``positions``, sorted."""
        return sorted(str(self.rules[i]["alert"]) for i in positions)
