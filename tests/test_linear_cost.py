"""Linear cost (issue 15, "Linear cost"): what render and check do per component does not grow with the catalog.

Measured as a count of operations, never as time: every call of a function of the ``hearth`` package
(``sys.setprofile``) while rendering (resolve, render, package) and while checking the written build. The
catalogs are the seed grown by whole rounds of clones (``bench/scale.py``'s ``grow``: each round adds one more
copy of every clonable app), so that each step adds the same components; with a cost linear in the catalog the
counts of three steps are an arithmetic sequence and their second difference ``c3 - 2*c2 + c1`` is zero, up to
what the data itself makes uneven (the capacity advice searches more node shapes as demand grows). A lookup that
scans the catalog per component makes it grow with the first: before issue 15's indexes the render's was 9.0%
of the first difference and the check's 15.4%; the test allows 3%.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from hearth.catalog.loader import default_catalog_dir, load_catalog
from hearth.render.package.files import package
from hearth.render.package.write import forget_texts, write_tree
from hearth.render.platform import render_platform
from hearth.resolve import resolve
from hearth.verify.capacity import advice
from hearth.verify.capacity.whatif import NodeShape
from hearth.verify.report import run_check

BENCH = Path(__file__).resolve().parents[1] / "bench" / "scale.py"
ROUNDS = (1, 2, 3)
ALLOWED = 0.03  # second difference over first difference
ROOMY = (NodeShape(3, 128, 512, 20_000),)
"""Nodes every grown catalog fits on, for the check: on the seed's nodes the grown catalogs do not fit, and the
capacity advice then searches node shapes from the smallest up (advice.uniform_nodes), one whole placement per
shape tried. That search is bounded by its grid (CORES x MEMORY_GIB x 3 node counts), not by the catalog, but the
number of shapes it tries steps up as the demand grows (1, 2 and 3 for 1, 2, 3 rounds here), which this measure of
per-component cost would read as growth. The check on the seed's nodes is measured too (stage "advice"), with
that search alone replaced, so the rest of the advice (a trial placement per component removed) is still held
to linear cost."""


def _no_shape_search(*_args: object) -> tuple[None, str]:
    return None, "not searched in this test (see ROOMY)"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("hearth_bench_scale", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def counted(action: Callable[[], object]) -> Counter[str]:
    """Calls of each function of the hearth package while ``action`` runs."""
    counts: Counter[str] = Counter()

    def hook(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call":
            code = frame.f_code
            if "/hearth/" in code.co_filename:
                counts[f"{code.co_filename.rsplit('/hearth/', 1)[-1]}:{code.co_name}"] += 1

    sys.setprofile(hook)
    try:
        action()
    finally:
        sys.setprofile(None)
    return counts


@pytest.fixture(scope="module")
def counts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Counter[str]]]:
    """Per stage (render, check, advice), the call counts on the seed grown by 1, 2 and 3 rounds of clones."""
    bench = _bench()
    seed = default_catalog_dir()
    files = list((seed / "services").rglob("*.yaml"))
    apps = sum(1 for path in files if bench._clonable(path.read_text(encoding="utf-8")))
    assert apps > 0
    out: dict[str, list[Counter[str]]] = {"render": [], "check": [], "advice": []}
    work = tmp_path_factory.mktemp("linear")
    for rounds in ROUNDS:
        catalog = work / f"catalog-{rounds}"
        assert bench.grow(seed, catalog, len(files) + rounds * apps) == len(files) + rounds * apps
        loaded = load_catalog(catalog)
        rendered: list[Any] = []

        def render(loaded: Any = loaded, rendered: list[Any] = rendered) -> None:
            forget_texts()  # each round pays for its own texts, as a process of its own would
            resolved = resolve(loaded)
            rendered.append(package(render_platform(resolved), resolved))

        out["render"].append(counted(render))
        build = work / f"build-{rounds}"
        write_tree(rendered[0], build)
        out["check"].append(counted(lambda build=build: run_check(build, ROOMY)))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(advice, "uniform_nodes", _no_shape_search)
            out["advice"].append(counted(lambda build=build: run_check(build)))
    return out


def _worst(steps: list[Counter[str]]) -> Iterator[str]:
    one, two, three = steps
    growth = sorted(((three[k] - 2 * two[k] + one[k], k) for k in three), reverse=True)[:5]
    return (f"{name} ({one[name]}, {two[name]}, {three[name]})" for _, name in growth)


@pytest.mark.parametrize("stage", ["render", "check", "advice"])
def test_cost_per_component_does_not_grow(counts: dict[str, list[Counter[str]]], stage: str) -> None:
    one, two, three = (sum(c.values()) for c in counts[stage])
    first = two - one
    second = three - 2 * two + one
    assert first > 0, f"{stage}: no more calls for more components ({one}, {two}, {three})"
    assert second <= ALLOWED * first, (
        f"{stage}: calls {one}, {two}, {three} for 1, 2, 3 rounds of clones grow faster than the catalog "
        f"(second difference {second}, {second / first:.1%} of the first); "
        f"growing most: {', '.join(_worst(counts[stage]))}"
    )
