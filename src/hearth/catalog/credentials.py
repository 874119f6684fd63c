"""How a component takes each of its credentials from Vault (``credentials:`` in a component file).

A component's credentials are its grants (a database login, an ACL user, a bucket's keys: one per capability it
needs a provider of) and its own KV entry (``app``). By default each is a ``key=value`` file the Vault agent
writes to ``/vault/secrets/<source>``; most images read environment variables instead, so the catalog states per
credential how the application takes it:

* ``file``: the application reads ``/vault/secrets/<source>`` itself, as ``NAME=value`` lines of ``variables``
  (all of the credential's keys when none are given);
* ``file-env``: one file per variable holding only its value, and the variable ``NAME`` set to that file's path
  (the ``*_FILE`` convention: ``POSTGRES_PASSWORD_FILE=/vault/secrets/postgres-postgres-password-file``);
* ``env``: the agent writes ``/vault/secrets/<source>.env`` (``export NAME='value'`` lines) and a wrapper
  entrypoint sources it before ``exec``-ing the component's ``command`` (which must then be the image's
  entrypoint and command, stated with a source), so the variables never appear in the pod spec;
* ``secret``: for an upstream chart that reads only Kubernetes Secrets, a Secret of that name synced from Vault by
  the ``secret-sync`` provider (External Secrets Operator), each ``variables`` entry one key of it: the named
  exception to "no Kubernetes Secrets for application credentials";
* ``none``: the application cannot take it from a file, its environment or a Secret at all (it keeps the setting
  in a store of its own, set through its UI or API), so the pod is given nothing: no agent file, no read in its
  Vault policy, ``reason`` saying why and how the value reaches the application instead.

A variable's value is a template: ``{field}`` placeholders name the credential's keys (``username``, ``password``
for a database login: a capability's ``credential_keys``; any key of the ``app`` entry) or the connection facts
of the grant (``host``, ``port``, ``database``, and ``url``, the capability's connection URL composed in
``hearth.capabilities``); other text is kept as it is. ``hearth.catalog.checks`` checks the source and the
placeholders against the component's grants.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from hearth.catalog.fields import Name, Strict

Delivery = Literal["file", "file-env", "env", "secret", "none"]
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_.-]*$"
PLACEHOLDER = re.compile(r"(?<!\$)\{([a-z_][a-z0-9_]*)\}")
FACTS = ("host", "port", "database", "url")
"""The connection facts a variable may name besides the credential's own keys."""
APP = "app"
"""The source naming the component's own KV entry (``kv/<namespace>/<name>/app``)."""


def placeholders(template: str) -> list[str]:
    """The ``{field}`` names a variable's template uses, in order."""
    return PLACEHOLDER.findall(template)


class Credential(Strict):
    """How the component takes one credential: from which grant (or ``app``), delivered how, as which variables."""

    source: Name = Field(description="the capability of a grant the component holds, or 'app' (its own KV entry)")
    delivery: Delivery = Field(
        description="file: the agent's key=value file; file-env: a *_FILE variable per value; env: variables a "
        "wrapper entrypoint sources; secret: a Kubernetes Secret synced from Vault (upstream charts only); none: the "
        "application cannot read it at all (reason says why), so the pod is not given it"
    )
    variables: dict[str, str] = Field(
        default={},
        description="variable (or Secret key, or file line) -> a template of {field} placeholders",
    )
    secret: Name | None = Field(default=None, description="delivery secret: the Secret the upstream chart reads")
    cite: str = Field(default="", description="where the image or chart documents these names")
    reason: str = Field(
        default="", description="delivery none: why the application cannot read it, and how the value reaches it"
    )

    @model_validator(mode="after")
    def _complete(self) -> Credential:
        for name in self.variables:
            if not re.match(ENV_NAME, name):
                raise ValueError(f"variable {name!r} is not an environment variable or Secret key name")
        if self.delivery == "secret" and self.secret is None:
            raise ValueError("delivery secret needs 'secret': the name of the Secret the chart reads")
        if self.delivery != "secret" and self.secret is not None:
            raise ValueError("'secret' belongs to delivery secret")
        if self.delivery in ("file-env", "env", "secret") and not self.variables:
            raise ValueError(f"delivery {self.delivery} needs 'variables'")
        if self.delivery == "none" and (self.variables or not self.reason.strip()):
            raise ValueError("delivery none takes no 'variables' and needs 'reason' (why the app cannot read it)")
        if self.delivery != "none" and self.reason:
            raise ValueError("'reason' belongs to delivery none")
        return self
