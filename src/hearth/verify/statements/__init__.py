"""Statements: what ``claims.yaml`` says the platform is, against what the other sections measured.

``claims.yaml`` holds the seed document's statements as written (see ``hearth.render.claims``). Each becomes a
:class:`Statement` with both figures and a verdict, ``holds`` or ``contradicted``. A contradicted statement is a
finding about the document, not a failure of the platform, so this section never fails ``hearth check``.

* figures, by key: ``services.total`` (components with a helmfile release), ``namespaces.total`` (Namespace
  objects in ``manifests/``), ``compliance.charts`` (charts hearth renders that hold workloads),
  ``compliance.percent`` (the lowest feature percentage over those charts), ``nodes.cpu_total``,
  ``nodes.memory_total``, ``nodes.disk_total`` (Node capacities and disks), ``utilization.<node>`` and
  ``utilization.total`` (requested share of allocatable, the larger of cpu and memory; per node what the
  placement put there, in total every pod's requests, placed or not), ``storage.pvc_total``.
  A claim written with ``~`` holds within 5 points (percentages) or 10% (quantities); others must be equal.
* stated orders: each step names components or tags, resolved through the helmfile release labels
  (``component``, then ``tier``, then ``namespace``); every pair where an earlier step's component ``needs:``
  (directly, in ``helmfile.yaml``) a later step's component contradicts the order.
* database allocation: the stated consumers of each database against the components whose pods' connects-to
  reach one of the database's Services (the database itself, ingress controllers and metrics scrapers aside).
* backup rows: each stated Velero row against the Schedule of that name (cron, ttl, volumes), each dump row
  against the dump CronJob of its component (cron, ``hearth.dev/retention``).
* stated tools (the image of the pods with a role) and the document's fixed tunnel addresses (set in
  ``gateway/`` or not): :mod:`hearth.verify.statements.stated`.
* SSO: "OAuth2 integration for all web apps" against how each web app logs in (the blueprints under
  ``sso/blueprints/`` and the routes' forwardAuth Middlewares), and the tables' identity-provider dependencies
  against the apps that log in through it: :mod:`hearth.verify.statements.sso`.
"""

from __future__ import annotations

from hearth.verify.build.model import Build
from hearth.verify.capacity.report import Capacity
from hearth.verify.compliance.results import Compliance
from hearth.verify.statements.backups import backup_statements
from hearth.verify.statements.dependencies import allocation_statements, order_statement
from hearth.verify.statements.figures import figure_statements, measured_figures
from hearth.verify.statements.report import Statement, Statements
from hearth.verify.statements.sso import sso_statements
from hearth.verify.statements.stated import tool_statements, tunnel_statement

__all__ = ["Statement", "Statements", "audit_statements"]


def audit_statements(build: Build, compliance: Compliance, capacity: Capacity) -> Statements:
    """Every statement of ``claims.yaml`` against the measurements (an empty section without the file)."""
    if build.claims is None:
        return Statements([], ["no claims.yaml in the build: the document's statements were not checked"])
    claims = build.claims
    statements = figure_statements(claims, measured_figures(build, compliance, capacity))
    statements += [order_statement(order, build) for order in claims.get("stated_orders") or []]
    statements += allocation_statements(claims, build)
    statements += backup_statements(claims, build)
    statements += tool_statements(claims, build) + tunnel_statement(claims, build)
    statements += sso_statements(claims, build)
    notes = []
    if not any(pod.roles for pod in build.pods):
        notes.append(
            "no pod carries hearth.dev/role: database consumers include ingress controllers and metrics scrapers"
        )
    return Statements(statements, notes)
