"""Fixtures for the deploy tests: a fake Kubernetes API on loopback and a fake helm first on PATH."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import fakehelm
import pytest
from deploykit import Cluster
from fakekube import FakeKube


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    """A fake cluster and a fake helm first on PATH."""
    fake = FakeKube()
    state = tmp_path / "helm-state"
    fakehelm.install(tmp_path / "bin", state, fake.url)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    made = Cluster(fake, fake.kubeconfig(tmp_path / "kubeconfig"), state)
    made.script({})
    yield made
    fake.close()
