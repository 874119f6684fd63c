"""The secrets section's record: every Vault read and what serves it, every named Secret and what creates it,
the synced-Secret exception, and the plaintext scan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

from hearth.verify.findings import FAIL, WARN
from hearth.verify.findings import Finding as Finding_
from hearth.verify.secrets.argv import ArgvFinding
from hearth.verify.secrets.consumers import Read
from hearth.verify.secrets.delivery import Undelivered, Unread
from hearth.verify.secrets.named import NamedSecret
from hearth.verify.secrets.plaintext import Finding
from hearth.verify.secrets.server import VaultServer
from hearth.verify.tables import titled_table

UNREAD_SEVERITY = WARN
"""An agent file nothing in its pod reads, or a granted credential no reader reads: a warning while consumers of
the seed still lack a stated delivery (issue 9); FAIL once the seed has none."""


@dataclass
class Secrets:
    """Section 8 of ``hearth check``: fails on a Vault read nothing serves (or no role grants), a named Secret
    nothing creates, a plaintext credential in the build, a credential in a container's argument list, or a Vault
    server without raft storage or without TLS on its listener."""

    reads: list[Read] = field(default_factory=list)
    named: list[NamedSecret] = field(default_factory=list)
    synced: list[str] = field(default_factory=list)
    files_scanned: int = 0
    plaintext: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    servers: list[VaultServer] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    undelivered: list[Undelivered] = field(default_factory=list)
    argv: list[ArgvFinding] = field(default_factory=list)

    @property
    def unserved(self) -> list[Read]:
        """Reads that would hang or fail: no role, no grant of read, nothing serving the path."""
        return [r for r in self.reads if r.problem]

    @property
    def missing(self) -> list[NamedSecret]:
        """Named Secrets nothing in the build creates."""
        return [s for s in self.named if not s.created_by]

    @property
    def failed(self) -> bool:
        """Any unserved read, missing Secret, plaintext credential, credential in an argument list, or Vault server
        off raft or TLS; unread files and undelivered grants too when ``UNREAD_SEVERITY`` is FAIL."""
        unread = bool(self.unread or self.undelivered) and UNREAD_SEVERITY == FAIL
        servers = any(s.problems for s in self.servers)
        return bool(self.unserved or self.missing or self.plaintext or self.argv or unread or servers)

    def summary(self) -> str:
        """One line."""
        served = Counter(r.server for r in self.reads if not r.problem)
        logins = served["rotated"] + served["dynamic"]
        return (
            f"{len(self.reads)} Vault reads, {len(self.unserved)} unserved ({logins} database logins, "
            f"{served['grant']} written by grants, {served['operator']} operator KV); {len(self.named)} named "
            f"Secrets, {len(self.missing)} created by nothing; {len(self.synced)} synced from Vault (exception); "
            f"{len(self.plaintext)} plaintext credentials in {self.files_scanned} files; "
            f"{len(self.argv)} credentials in argument lists; "
            f"{len(self.unread)} agent files nothing in their pod reads, {len(self.undelivered)} granted credentials "
            "no reader reads; "
            + (
                "Vault: "
                + ", ".join(f"{s.release} {s.storage}{' + TLS' if s.tls else ', no TLS'}" for s in self.servers)
                if self.servers
                else "no Vault server"
            )
        )

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "failed": self.failed,
            "summary": self.summary(),
            "reads": [r.to_json() for r in self.reads],
            "unserved": [r.to_json() for r in self.unserved],
            "named_secrets": [s.to_json() for s in self.named],
            "missing_secrets": [s.to_json() for s in self.missing],
            "synced_exception": {
                "statement": "no Kubernetes Secrets for app credentials",
                "exception": "Secrets synced from Vault for upstream charts that read only Kubernetes Secrets",
                "secrets": self.synced,
            },
            "files_scanned": self.files_scanned,
            "plaintext": [f.to_json() for f in self.plaintext],
            "argv": [f.to_json() for f in self.argv],
            "unread_files": [u.to_json() for u in self.unread],
            "undelivered_grants": [u.to_json() for u in self.undelivered],
            "vault_servers": [s.to_json() for s in self.servers],
            "notes": self.notes,
        }

    def tables(self) -> Iterator[Table]:
        """The failing reads, the missing Secrets, the plaintext findings (each only when there are any)."""
        if self.unserved:
            table = titled_table("Vault reads nothing serves", ("Reader", "Role", "Path", "Problem"))
            for read in self.unserved:
                table.add_row(read.reader, read.role, read.path, read.problem)
            yield table
        if self.missing:
            table = titled_table("Secrets named but created by nothing", ("Secret", "Named in", "Key"))
            for secret in self.missing:
                table.add_row(f"{secret.namespace}/{secret.name}", secret.where, secret.key)
            yield table
        if self.unread:
            table = titled_table("Agent files nothing in the pod reads", ("Reader", "File", "Vault path"))
            for unread in self.unread:
                table.add_row(unread.reader, unread.file, unread.path)
            yield table
        if self.undelivered:
            table = titled_table("Granted credentials no reader reads", ("Vault path", "Granted by"))
            for grant in self.undelivered:
                table.add_row(grant.path, grant.granted_by)
            yield table
        if self.plaintext:
            table = titled_table("Plaintext credentials", ("File", "Line", "Kind"))
            for finding in self.plaintext:
                table.add_row(finding.file, str(finding.line), finding.kind)
            yield table
        if self.argv:
            table = titled_table("Credentials in argument lists", ("Pod", "Container", "Kind", "Where"))
            for item in self.argv:
                table.add_row(item.reader, item.container, item.kind, item.detail)
            yield table


def secrets_findings(section: Any) -> list[Finding_]:
    """Unserved reads, Secrets nothing creates and plaintext credentials (failures); unwritten KV (a warning)."""
    out = [
        Finding_(FAIL, "secrets", f"{r.reader} -> {r.path}", r.problem, _read_fix(r.problem)) for r in section.unserved
    ]
    out += [
        Finding_(
            FAIL,
            "secrets",
            f"Secret {s.namespace}/{s.name}",
            f"named by {s.where} ({s.key}) but created by nothing",
            "deliver the credential as a synced Secret (credentials: delivery secret), or give the consumer the need "
            "whose grant it is",
        )
        for s in section.missing
    ]
    out += [
        Finding_(
            FAIL,
            "secrets",
            f"{f.file}:{f.line}",
            f"plaintext credential ({f.kind})",
            "move it into Vault and render a reference to it",
        )
        for f in section.plaintext
    ]
    out += [
        Finding_(
            FAIL,
            "secrets",
            f"{a.reader} container {a.container}",
            f"a credential in its argument list ({a.kind}: {a.detail}), which ps shows every user of the node",
            "pass it in a file the program reads (a --config or --password-file option, a *_FILE variable) or in "
            "its environment",
        )
        for a in section.argv
    ]
    out += [
        Finding_(
            FAIL,
            "secrets",
            f"Vault server {s.release}",
            problem,
            "run integrated storage (server.ha.raft) behind a TLS listener (listener_tls: the bootstrap CA)",
        )
        for s in section.servers
        for problem in s.problems
    ]
    out += [
        Finding_(
            UNREAD_SEVERITY,
            "secrets",
            f"{u.reader} {u.file}",
            f"the Vault agent writes {u.path} there, but nothing in the pod (env, command, args, mounted config) "
            "names the file, so the application never receives it",
            "state how the image takes it (credentials: file-env, env or secret, with its upstream variable names)",
        )
        for u in section.unread
    ]
    out += [
        Finding_(
            UNREAD_SEVERITY,
            "secrets",
            u.path,
            f"granted by {u.granted_by} but read by no pod's Vault agent and no ExternalSecret",
            "deliver it to the consumer (credentials:), or drop the need whose grant it is",
        )
        for u in section.undelivered
    ]
    out += [
        Finding_(WARN, "secrets", "KV entries", note, "write them into Vault before deploying")
        for note in section.notes
    ]
    return out


def _read_fix(problem: str) -> str:
    if problem.startswith("nothing serves"):
        return "read the path the provider's grant writes (capabilities.py vault_engine), or render its engine role"
    return "render the Vault role and a policy reading the path for the reader's ServiceAccount"
