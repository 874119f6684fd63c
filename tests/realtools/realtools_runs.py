"""What the bootstrap tests against real servers share: the build's files each test bootstraps, the operator's
admin logins and options for a real OpenBao, two runs of every step, and the results by step name."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping
from pathlib import Path

from realtools_bao import RealBao, kubernetes_ca

from hearth.bootstrap import Options, StepResult, bootstrap
from hearth.catalog.models import Catalog
from hearth.render.model import RenderedPlatform
from hearth.render.package.files import package
from hearth.resolve import resolve

PROVIDER_GRANTS = ("databases/", "grants/")
"""Where the build keeps the providers' grants: each provider's steps have servers of their own in one test file."""


def build_files(rendered: RenderedPlatform, catalog: Catalog, keep: Collection[str] = ()) -> dict[str, str]:
    """The build's files as ``hearth render`` writes them, without the providers' grants but those in ``keep``
    (e.g. ``grants/rabbitmq.json`` for the test that starts RabbitMQ)."""
    built = package(rendered, resolve(catalog))
    return {p: t for p, t in built.items() if not p.startswith(PROVIDER_GRANTS) or p in keep}


def admin_file(directory: Path, provider: str, username: str, password: str) -> None:
    """The operator's admin login of ``provider`` as ``hearth bootstrap --admin-dir`` reads it: ``<provider>.json``,
    created mode 0600 (never over an existing file)."""
    fd = os.open(directory / f"{provider}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"username": username, "password": password}, out)


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
