"""What a dump backup runs and reaches: each protocol's own dump tool, the database pod and port, the job's labels.

A component with ``backup.method: dump`` is dumped by the tool of the protocol it provides (``pg_dumpall``,
``mysqldump``, ``mongodump``, ``clickhouse-client``), run from the component's own image against its Service.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.catalog.models import Component, Port
from hearth.resolve import Pod, Resolved, pod_with_port


@dataclass(frozen=True)
class DumpTool:
    """A protocol's own dump tool: which credentials it reads and the shell command that writes to /backup."""

    capability: str
    user_env: str
    password_env: str
    script: str
    ports: tuple[str, ...] = ()


# Each tool writes under /backup, connecting to {host}:{port} with the credentials the Vault agent rendered.
DUMP_TOOLS = {
    tool.capability: tool
    for tool in (
        DumpTool(
            "postgres",
            "PGUSER",
            "PGPASSWORD",
            "pg_dumpall --host={host} --port={port} --clean --if-exists --file=/backup/dump.sql",
        ),
        DumpTool(
            "mysql",
            "MYSQL_USER",
            "MYSQL_PWD",
            'mysqldump --host={host} --port={port} --user="$MYSQL_USER" --all-databases --single-transaction'
            # --flush-privileges: the dump reloads the grant tables it restores, or its accounts cannot log in.
            " --routines --events --triggers --flush-privileges --result-file=/backup/dump.sql",
        ),
        DumpTool(
            "mongodb",
            "MONGO_USERNAME",
            "MONGO_PASSWORD",
            'mongodump --host={host} --port={port} --username="$MONGO_USERNAME" --password="$MONGO_PASSWORD"'
            " --authenticationDatabase=admin --archive=/backup/dump.archive --gzip",
        ),
        DumpTool(
            "clickhouse",
            "CLICKHOUSE_USER",
            "CLICKHOUSE_PASSWORD",
            'ch() {{ clickhouse-client --host={host} --port={port} --user="$CLICKHOUSE_USER"'
            ' --password="$CLICKHOUSE_PASSWORD" "$@"; }}; '
            "ch --query=\"SELECT database || '.' || name FROM system.tables WHERE NOT is_temporary AND database"
            " NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')\" | while read -r t; do "
            'ch --query="SHOW CREATE TABLE $t FORMAT TSVRaw" > "/backup/$t.sql"; '
            'ch --query="SELECT * FROM $t FORMAT Native" > "/backup/$t.native"; done',
            ports=("native", "tcp"),
        ),
    )
}


@dataclass(frozen=True)
class DumpTarget:
    """What a dump job connects to: the tool for the component's protocol, and the pod and port it dumps."""

    tool: DumpTool
    pod: Pod
    port: Port

    @property
    def host(self) -> str:
        """The database Service's in-cluster name."""
        return f"{self.pod.service}.{self.pod.namespace}.svc"


def dump_target(resolved: Resolved, component: Component) -> DumpTarget | None:
    """The dump tool and endpoint of a ``backup.method: dump`` component, if it provides a known protocol."""
    if component.backup is None or component.backup.method != "dump":
        return None
    for provide in component.provides:
        tool = DUMP_TOOLS.get(provide.capability)
        if tool is None or provide.port is None:
            continue
        names = [n for n in tool.ports if any(p.name == n for p in component.ports)] + [provide.port]
        found = pod_with_port(resolved, component, names[0])
        if found is not None:
            return DumpTarget(tool, found[0], found[1])
    return None


def dump_job_labels(component: Component) -> dict[str, str]:
    """Labels of a component's dump job pods; distinct from the component's own so no Service selects them."""
    return {
        "app.kubernetes.io/name": f"{component.name}-backup",
        "app.kubernetes.io/instance": component.name,
        "app.kubernetes.io/component": "backup",
        "app.kubernetes.io/part-of": "hearth",
        "app.kubernetes.io/managed-by": "hearth",
    }
