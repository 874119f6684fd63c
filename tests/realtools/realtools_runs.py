"""What the bootstrap tests against real servers share: the operator's options for a real OpenBao, two runs of
every step, and the results by step name."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from realtools_bao import RealBao, kubernetes_ca

from hearth.bootstrap import Options, StepResult, bootstrap
from hearth.catalog.models import Catalog


def operator_options(
    bao: RealBao, work: Path, endpoints: Mapping[str, str] | None = None, admin_dir: Path | None = None
) -> Options:
    """The operator's options for ``bao`` (uninitialized; its keys go to ``work/keys.json``), with the providers'
    ``endpoints`` and the admin logins in ``admin_dir``."""
    return Options(
        vault_address=bao.address,
        vault_ca=bao.ca,
        keys_file=work / "keys.json",
        vault_token="",
        kubernetes_ca=kubernetes_ca(work),
        endpoints=dict(endpoints or {}),
        admin_dir=admin_dir,
    )


def run_twice(catalog: Catalog, files: Mapping[str, str], options: Options) -> tuple[list[list[StepResult]], str]:
    """Two full bootstrap runs (the first from empty, the second to see nothing changed) and the root token the
    first wrote to the keys file."""
    runs = [bootstrap(catalog, files, options), bootstrap(catalog, files, options)]
    assert options.keys_file is not None and options.keys_file.exists(), [
        (r.name, r.status, r.error) for r in runs[0] if r.error
    ]
    token: str = json.loads(options.keys_file.read_text())["root_token"]
    return runs, token


def by_name(results: list[StepResult]) -> dict[str, StepResult]:
    """The results of a run by step name."""
    return {r.name: r for r in results}
