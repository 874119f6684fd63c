"""Just enough of Helm's semver constraints (Masterminds/semver) to judge a chart's ``kubeVersion``: comparisons
``>= > <= < = !=``, ``~`` and ``^``, ranges ``a - b``, ANDs by space or comma, ORs by ``||``; a ``-0``
pre-release suffix (charts write ``>=1.23.0-0`` so pre-releases match) is ignored."""

from __future__ import annotations

import re

_PART = re.compile(r"^(>=|<=|!=|>|<|=|~|\^)?\s*v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?(?:-[0-9A-Za-z.-]+)?$")


def version_tuple(text: str) -> tuple[int, int, int]:
    """``v1.28.5`` or ``1.28.5-gke.1`` as (1, 28, 5)."""
    found = re.match(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a version")
    return int(found.group(1)), int(found.group(2) or 0), int(found.group(3) or 0)


def _one(version: tuple[int, int, int], term: str) -> bool:
    found = _PART.match(term.strip())
    if found is None:
        raise ValueError(f"{term!r} is not a version constraint")
    op = found.group(1) or "="
    major = int(found.group(2))
    minor_text, patch_text = found.group(3), found.group(4)
    wild_minor = minor_text in (None, "x", "*")
    wild_patch = patch_text in (None, "x", "*")
    bound = (major, 0 if wild_minor else int(minor_text), 0 if wild_patch else int(patch_text))
    if op == "~":
        upper = (major + 1, 0, 0) if wild_minor else (major, bound[1] + 1, 0)
        return bound <= version < upper
    if op == "^":
        upper = (major + 1, 0, 0) if major > 0 else (0, bound[1] + 1, 0)
        return bound <= version < upper
    if op == "=" and (wild_minor or wild_patch):
        return version[: 1 if wild_minor else 2] == bound[: 1 if wild_minor else 2]
    return {
        "=": version == bound,
        "!=": version != bound,
        ">": version > bound,
        "<": version < bound,
        ">=": version >= bound,
        "<=": version <= bound,
    }[op]


def satisfies(version: str, constraint: str) -> bool:
    """Whether ``version`` meets a Helm ``kubeVersion`` constraint."""
    wanted = version_tuple(version)
    for alternative in constraint.split("||"):
        text = re.sub(r"(>=|<=|!=|>|<|=|~|\^)\s+", r"\1", alternative.strip())
        if " - " in text:
            low, high = (s.strip() for s in text.split(" - ", 1))
            text = f">={low} <={high}"
        terms = [t for t in re.split(r"[,\s]+", text) if t]
        if all(_one(wanted, term) for term in terms):
            return True
    return False
