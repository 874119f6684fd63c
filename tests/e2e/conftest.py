"""End-to-end tests run only by ``make e2e`` (``pytest tests/e2e -m e2e``) against the cluster in $KUBECONFIG."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip e2e tests unless ``-m e2e`` asked for them and KUBECONFIG names a cluster (never in ``make test``)."""
    asked = "e2e" in (config.option.markexpr or "")
    reason = "" if asked else "e2e tests run with `make e2e` (-m e2e)"
    if asked and not os.environ.get("KUBECONFIG"):
        reason = "e2e tests need KUBECONFIG naming a real cluster"
    if reason:
        for item in items:
            if item.get_closest_marker("e2e"):
                item.add_marker(pytest.mark.skip(reason=reason))
