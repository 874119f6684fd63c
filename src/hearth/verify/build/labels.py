"""Label indexes: the objects a selector picks, found without testing every object of the build.

An audit asks, per workload, which Services pick it, which monitors select it, which pods a Service sends to.
Scanning every object for every question costs the square of the build; a :class:`LabelIndex` files each object
under its namespace and under each of its ``(key, value)`` labels once, so that a selector with ``matchLabels``
(or a Service's equality selector) is only tested on the objects carrying the rarest of its labels. The answer is
the same as a scan, in the same (insertion) order: the index only narrows the candidates, the selector still
decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from hearth.verify.build.fields import as_mapping, selector_matches

__all__ = ["LabelIndex"]

T = TypeVar("T")


class LabelIndex(Generic[T]):
    """Items with a namespace and labels, indexed by namespace and by each ``(key, value)`` label."""

    def __init__(self, items: Iterable[tuple[str, Mapping[str, str], T]]) -> None:
        self._items = list(items)
        self._all = list(range(len(self._items)))
        self._by_namespace: dict[str, list[int]] = {}
        self._by_label: dict[tuple[str, str], list[int]] = {}
        self._by_namespace_label: dict[tuple[str, str, str], list[int]] = {}
        for i, (namespace, labels, _) in enumerate(self._items):
            self._by_namespace.setdefault(namespace, []).append(i)
            for key, value in labels.items():
                self._by_label.setdefault((key, value), []).append(i)
                self._by_namespace_label.setdefault((namespace, key, value), []).append(i)

    def _candidates(self, namespace: str | None, pairs: Mapping[Any, Any]) -> list[int]:
        """Indexes of the items in ``namespace`` (None: any) carrying the rarest of ``pairs``, in item order."""
        if not pairs:
            return self._all if namespace is None else self._by_namespace.get(namespace, [])
        buckets = (
            self._by_label.get((str(k), str(v)), [])
            if namespace is None
            else self._by_namespace_label.get((namespace, str(k), str(v)), [])
            for k, v in pairs.items()
        )
        return min(buckets, key=len)

    def _matching(self, namespace: str | None, selector: Mapping[str, Any] | None) -> list[int]:
        if selector is None:
            return []
        candidates = self._candidates(namespace, as_mapping(selector.get("matchLabels")))
        return [i for i in candidates if selector_matches(selector, self._items[i][1])]

    def select(self, namespace: str | None, selector: Mapping[str, Any] | None) -> list[T]:
        """Items in ``namespace`` (None: any namespace) whose labels a LabelSelector matches (None matches none)."""
        return [self._items[i][2] for i in self._matching(namespace, selector)]

    def select_among(self, namespaces: Iterable[str] | None, selector: Mapping[str, Any] | None) -> list[T]:
        """Items in any of ``namespaces`` (None: every namespace) whose labels a LabelSelector matches, in order."""
        if namespaces is None:
            return self.select(None, selector)
        found = {i for namespace in set(namespaces) for i in self._matching(namespace, selector)}
        return [self._items[i][2] for i in sorted(found)]

    def select_equal(self, namespace: str, selector: Mapping[str, str]) -> list[T]:
        """Items in ``namespace`` carrying every ``key: value`` of an equality selector (a Service's ``selector``)."""
        return [
            self._items[i][2]
            for i in self._candidates(namespace, selector)
            if all(self._items[i][1].get(k) == v for k, v in selector.items())
        ]
