"""The no-probe exception: a container with nothing to probe is compliant by a stated reason, read from the build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.catalog.checks import component_problems
from hearth.catalog.loader import load_catalog
from hearth.verify.build.audit import load_build
from hearth.verify.compliance.checks import probes

PROBE = {"httpGet": {"path": "/", "port": 80}}


def _pod(annotations: dict[str, str], probed: bool) -> dict[str, Any]:
    main = {"name": "main", "livenessProbe": PROBE, "readinessProbe": PROBE}
    daemon: dict[str, Any] = {"name": "crond"} | ({"livenessProbe": PROBE, "readinessProbe": PROBE} if probed else {})
    template = {
        "metadata": {"labels": {"app": "a"}, "annotations": annotations},
        "spec": {"containers": [main, daemon]},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "a", "namespace": "ns"},
        "spec": {"template": template},
    }


@pytest.mark.parametrize(
    ("annotations", "probed", "status"),
    [
        ({}, True, "pass"),
        ({}, False, "fail"),
        ({"hearth.dev/exception-no-probe.crond": "listens on no port"}, False, "exception"),
        ({"hearth.dev/exception-no-probe": "nothing to probe"}, False, "exception"),
        ({"hearth.dev/exception-no-probe.other": "another container"}, False, "fail"),
        ({"hearth.dev/exception-run-as-root.crond": "not about probes"}, False, "fail"),
    ],
)
def test_probes_read_the_stated_exception(
    annotations: dict[str, str], probed: bool, status: str, tmp_path: Path
) -> None:
    """Only a no-probe exception for that container (or the whole pod) excuses its missing probes."""
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "a.yaml").write_text(yaml.safe_dump(_pod(annotations, probed)), encoding="utf-8")
    result = probes(load_build(tmp_path).pods_by_endpoint["ns/a"])
    assert result.status == status, result
    if status == "exception":
        assert "crond: exception-no-probe: " in result.detail


def test_stoat_daemons_are_compliant_by_their_stated_reason() -> None:
    """The seed's Stoat states no-probe for crond and pushd, the two containers it has no health check for."""
    stoat = load_catalog(None).components["stoat"]
    stated = {e.container for e in stoat.security.exceptions if e.kind == "no-probe"}
    assert stated == {"crond", "pushd"} and component_problems(stoat) == []


@pytest.mark.parametrize("container", ["stoat", "web", None])
def test_a_no_probe_exception_must_name_a_container_without_health(container: str | None) -> None:
    """A no-probe exception on a container that has a health check (or on none) is a catalog problem."""
    stoat = load_catalog(None).components["stoat"]
    extra = stoat.security.exceptions[0].model_copy(
        update={"kind": "no-probe", "container": container, "reason": "nothing to probe here at all"}
    )
    broken = stoat.model_copy(
        update={"security": stoat.security.model_copy(update={"exceptions": [*stoat.security.exceptions, extra]})}
    )
    problems = component_problems(broken)
    assert any("no-probe exception" in message for _, message in problems), problems
