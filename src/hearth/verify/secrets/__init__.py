"""Secrets: every Vault path a pod or a synced Secret reads is served, every Secret a chart or pod names is
created, no plaintext credential is anywhere in the build, none is in a container's argument list
(:mod:`~hearth.verify.secrets.argv`), and Vault itself runs integrated storage (raft) behind
a TLS listener (:mod:`~hearth.verify.secrets.server`), all read from the rendered files only.

Vault's side comes from ``vault/`` and ``grants/`` (:mod:`~hearth.verify.secrets.vault`), the readers from the
manifests and the upstream charts' values (:mod:`~hearth.verify.secrets.consumers`), the named Secrets from the
same (:mod:`~hearth.verify.secrets.named`), and the scan covers every file (:mod:`~hearth.verify.secrets.plaintext`).
Whether each agent file is named by its pod, and each granted credential read by someone, is
:mod:`~hearth.verify.secrets.delivery`'s.
The ExternalSecrets are reported as the seed's named exception to "no Kubernetes Secrets for app credentials".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hearth.verify.build.fastyaml import plain_documents
from hearth.verify.build.manifests import SAFE_LOADER
from hearth.verify.build.model import Build
from hearth.verify.secrets.argv import argv_findings
from hearth.verify.secrets.consumers import agent_reads, synced_reads
from hearth.verify.secrets.delivery import undelivered_grants, unread_files
from hearth.verify.secrets.named import named_secrets, synced_exceptions
from hearth.verify.secrets.plaintext import scan_build
from hearth.verify.secrets.report import Secrets
from hearth.verify.secrets.server import vault_servers
from hearth.verify.secrets.vault import read_vault_side

__all__ = ["Secrets", "audit_secrets"]


def _values(build: Build) -> dict[str, tuple[str, Any]]:
    """Upstream release name -> (namespace, its values), from ``values/<release>.yaml`` and the releases."""
    out: dict[str, tuple[str, Any]] = {}
    namespaces = {r.name: r.namespace for r in build.releases}
    directory = build.root / "values"
    read = Path.read_bytes if build.files is None else build.files.read_bytes
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        try:
            text = read(path).decode("utf-8")
            text = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text  # as read_text
            plain = plain_documents(text, SAFE_LOADER)
            data = plain[0][1] if plain is not None and len(plain) == 1 else yaml.load(text, Loader=SAFE_LOADER)
        except (OSError, yaml.YAMLError):
            continue
        out[path.stem] = (namespaces.get(path.stem, ""), data)
    return out


def audit_secrets(build: Build) -> Secrets:
    """The secrets section of ``hearth check`` for one build."""
    side = read_vault_side(build.root)
    values = _values(build)
    if build.files is None:
        files, findings = scan_build(build.root)
    else:  # scanned as the check read the build
        files, findings = build.files.scanned, build.files.findings
    section = Secrets(
        reads=agent_reads(build, side, values) + synced_reads(build, side),
        named=named_secrets(build, values),
        synced=synced_exceptions(build),
        files_scanned=files,
        plaintext=findings,
        unread=unread_files(build, values),
        argv=argv_findings(build),
        servers=vault_servers(values, {r.name: r.chart for r in build.releases if not r.local}),
    )
    section.undelivered = undelivered_grants(side, {r.path for r in section.reads})
    operator = sorted({r.path for r in section.reads if r.server == "operator" and not r.problem})
    if operator:
        section.notes.append(
            f"{len(operator)} KV entries no grant writes (the components' own, read as they are): the operator "
            "writes them, or they are generated"
        )
    return section
