"""Deliver each credential the way the component's catalog ``credentials`` say the application reads it.

Sources and templates are described in :mod:`hearth.catalog.credentials`. This module turns one credential into
Vault agent template annotations (``file``, ``file-env``, ``env``), the container environment and the wrapper
command they need, and, for ``secret``, into the Go template of each key of a synced Secret
(:mod:`hearth.render.secret_sync`). A template's facts (``host``, ``port``, ``database``, ``url``) come from the
grant and the capability table, never from component names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hearth.capabilities import CAPABILITIES
from hearth.catalog.credentials import APP, PLACEHOLDER, Credential
from hearth.catalog.models import Component
from hearth.render.grants import _endpoint
from hearth.resolve.records import Grant, Resolved

SECRETS_DIR = "/vault/secrets"
RAW_LINES = "{{ range $k, $v := @DATA@ }}{{ $k }}={{ $v }}\n{{ end }}"
"""Every key of the credential as a ``key=value`` line: the default delivery."""
INJECT = "vault.hashicorp.com"


@dataclass(frozen=True)
class Source:
    """One credential's origin: its Vault path, the grant it belongs to (None: the ``app`` entry), its facts."""

    name: str
    path: str
    grant: Grant | None
    facts: dict[str, str]

    @property
    def kv(self) -> bool:
        """A KV version 2 read keeps the entry's keys under ``.Data.data``; dynamic credentials under ``.Data``."""
        return self.path.startswith("kv/data/")


def source_of(resolved: Resolved, component: Component, name: str, path: str) -> Source:
    """The :class:`Source` of ``name`` (a grant's capability or ``app``) served at Vault ``path``."""
    if name == APP:
        return Source(name, path, None, {})
    grant = next(g for g in resolved.grants_for(component.name) if g.capability == name and g.kind != "vault-role")
    facts = {"database": grant.name}
    where = _endpoint(resolved, grant.provider, grant.capability)
    if where is not None:
        facts |= {"host": where[0], "port": str(where[1])}
    url = CAPABILITIES[name].url
    if url is not None:
        facts["url"] = url
    return Source(name, path, grant, facts)


def _pieces(source: Source, template: str) -> tuple[str, list[str]]:
    """``template`` as a printf format and the credential keys its ``%s`` take, facts written in as text."""
    template = template.replace("{url}", source.facts.get("url", "{url}"))  # a template over the others
    fmt, keys, last = "", [], 0
    for match in PLACEHOLDER.finditer(template):
        fmt += template[last : match.start()].replace("%", "%%")
        name = match.group(1)
        if name in source.facts and name != "url":
            fmt += source.facts[name].replace("%", "%%")
        else:
            fmt += "%s"
            keys.append(name)
        last = match.end()
    return fmt + template[last:].replace("%", "%%"), keys


def literal(template: str, source: Source) -> str | None:
    """The text of a template that names no credential key (facts only), else None."""
    fmt, keys = _pieces(source, template)
    return None if keys else fmt.replace("%%", "%")


def shell_quoted(text: str) -> str:
    """``text`` in single quotes for ``sh`` (a quote inside becomes ``'\\''``)."""
    return "'" + text.replace("'", "'\\''") + "'"


def go_value(template: str, source: Source, data: str) -> str:
    """A Go template expression for ``template`` over the map ``data`` (``.Data.data``, ``.Data`` or ``.``)."""
    fmt, keys = _pieces(source, template)
    args = " ".join(f'(index {data} "{key}")' for key in keys)
    if not keys:
        return json.dumps(fmt.replace("%%", "%"))
    if fmt == "%s":
        return args
    return f"(printf {json.dumps(fmt)} {args})"


def _agent(source: Source, body: str) -> str:
    data = ".Data.data" if source.kv else ".Data"
    return f'{{{{- with secret "{source.path}" -}}}}{body.replace("@DATA@", data)}{{{{- end -}}}}'


def file_name(source: Source, variable: str) -> str:
    """The agent file of one ``file-env`` variable: ``<source>-<variable>`` in lower case with dashes."""
    return f"{source.name}-{variable.lower().replace('_', '-')}"


@dataclass
class Delivered:
    """What a hearth-rendered pod gets for its credentials: agent annotations, container env, sourced files."""

    annotations: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    sourced: list[str] = field(default_factory=list)


def deliver(credential: Credential, source: Source, out: Delivered) -> None:
    """Add the annotations (and env, sourced files) that deliver ``credential`` from ``source`` to ``out``."""
    secret = f"{INJECT}/agent-inject-secret-"
    template = f"{INJECT}/agent-inject-template-"
    if credential.delivery == "file" and not credential.variables:
        out.annotations[secret + source.name] = source.path
        out.annotations[template + source.name] = _agent(source, RAW_LINES)
    elif credential.delivery == "file":
        lines = "".join(
            f"{name}={{{{ {go_value(value, source, '@DATA@')} }}}}\n"
            for name, value in sorted(credential.variables.items())
        )
        out.annotations[secret + source.name] = source.path
        out.annotations[template + source.name] = _agent(source, lines)
    elif credential.delivery == "env":
        lines = "".join(
            f"export {name}={_shell_value(value, source)}\n" for name, value in sorted(credential.variables.items())
        )
        out.annotations[secret + source.name] = source.path
        out.annotations[template + source.name] = _agent(source, lines)
        out.sourced.append(f"{SECRETS_DIR}/{source.name}")
    elif credential.delivery == "file-env":
        for name, value in sorted(credential.variables.items()):
            file = file_name(source, name)
            out.annotations[secret + file] = source.path
            out.annotations[template + file] = _agent(source, f"{{{{ {go_value(value, source, '@DATA@')} }}}}")
            out.env[name] = f"{SECRETS_DIR}/{file}"


def _shell_value(template: str, source: Source) -> str:
    text = literal(template, source)
    if text is not None:
        return shell_quoted(text)
    return f"'{{{{ {go_value(template, source, '@DATA@')} | replaceAll \"'\" \"'\\\\''\" }}}}'"


def wrapped(command: list[str], sourced: list[str]) -> list[str]:
    """``command`` run by a shell that first sources the agent's env files, so the variables reach only the
    process (never the pod spec): ``/bin/sh -c '. f && exec "$@"' sh <command...>``."""
    script = " && ".join(f". {path}" for path in sourced) + ' && exec "$@"'
    return ["/bin/sh", "-c", script, "sh", *command]
