"""The seed's component inventory (architecture.md, "Component Inventory"), transcribed row by row.

Each row: seed name, DNS-1123 name, namespace, version, storage (None for "-" or no column), dependencies
as the seed names them. The test maps dependency names through SEED_NAMES, so a transcription slip in one
place shows up as a mismatch rather than being repeated.
"""

from __future__ import annotations

SEED_NAMES = {
    "Namespaces": "namespaces",
    "Traefik": "traefik",
    "Consul": "consul",
    "Vault": "vault",
    "cert-manager": "cert-manager",
    "Authentik": "authentik",
    "Monitoring": "monitoring",
    "Logging": "logging",
    "PostgreSQL": "postgresql",
    "MongoDB": "mongodb",
    "Valkey (Redis)": "valkey",
    "Valkey": "valkey",
    "MinIO": "minio",
    "ClickHouse": "clickhouse",
    "MySQL": "mysql",
    "RabbitMQ": "rabbitmq",
    "Supabase": "supabase",
    "GitLab": "gitlab",
    "Hub (JetBrains)": "hub",
    "Hub": "hub",
    "YouTrack": "youtrack",
    "TeamCity": "teamcity",
    "Coder": "coder",
    "Affine": "affine",
    "Notesnook": "notesnook",
    "Excalidraw": "excalidraw",
    "Penpot": "penpot",
    "Stoat (Revolt)": "stoat",
    "Stalwart (Mail)": "stalwart",
    "Stalwart": "stalwart",
    "Vaultwarden": "vaultwarden",
    "Syncthing": "syncthing",
    "Nextcloud": "nextcloud",
    "Rybbit": "rybbit",
    "Glance": "glance",
    "Bytebase": "bytebase",
    "Harbor": "harbor",
    "Pangolin": "pangolin",
    "Remnawave": "remnawave",
    "Devtron": "devtron",
    "Kestra": "kestra",
    "N8n": "n8n",
    "Ghost": "ghost",
    "Vert": "vert",
    "Metube": "metube",
}

# (seed name, namespace, version, storage or None, dependencies)
SEED_ROWS: list[tuple[str, str, str, str | None, str]] = [
    ("Namespaces", "default", "v1.0.0", None, "-"),
    ("Traefik", "ingress", "v37.2.0", None, "-"),
    ("Consul", "service", ">=1.0.0", None, "Traefik"),
    ("Vault", "service", "v1.0.0", None, "Traefik, Consul"),
    ("cert-manager", "service", "v1.19.1", None, "Vault"),
    ("Authentik", "service", ">=2024.0.0", None, "Traefik, Consul, PostgreSQL, Valkey, Vault"),
    ("Monitoring", "service", "v1.0.0", None, "Traefik, Consul, Vault"),
    ("Logging", "service", "v1.0.0", None, "Traefik, Consul, Vault, Authentik, Monitoring"),
    ("PostgreSQL", "db", ">=0.0.0", "50Gi", "Traefik, Vault"),
    ("MongoDB", "db", ">=0.0.0", "50Gi", "Traefik, Vault"),
    ("Valkey (Redis)", "db", ">=0.0.0", "20Gi", "Traefik, Vault"),
    ("MinIO", "db", ">=0.0.0", "100Gi", "Traefik, Vault"),
    ("ClickHouse", "db", ">=0.0.0", "100Gi", "Traefik, Vault"),
    ("MySQL", "db", ">=0.0.0", "50Gi", "Traefik, Vault"),
    ("RabbitMQ", "db", ">=0.0.0", "20Gi", "Traefik, Vault"),
    ("Supabase", "db", ">=0.0.0", None, "PostgreSQL, MinIO, Valkey, Traefik, Vault"),
    ("GitLab", "code", ">=8.0.0", "100Gi", "Traefik, Consul, PostgreSQL, Valkey, Vault"),
    ("Hub (JetBrains)", "code", "v1.0.0", "20Gi", "Traefik, Consul, PostgreSQL, Vault"),
    ("YouTrack", "code", "v1.0.0", "50Gi", "Traefik, Consul, Hub, PostgreSQL, Vault"),
    ("TeamCity", "code", "v1.0.0", "100Gi", "Traefik, Consul, PostgreSQL, Vault"),
    ("Coder", "code", "v1.0.0", "50Gi", "Traefik, Consul, cert-manager, Authentik, PostgreSQL, Vault, GitLab"),
    ("Affine", "productivity", "v1.0.0", "20Gi", "Traefik, Consul, PostgreSQL, Valkey, MinIO, Vault"),
    ("Notesnook", "productivity", "v1.0.0", "10Gi", "Traefik, Consul, Vault"),
    ("Excalidraw", "productivity", "v1.0.0", "5Gi", "Traefik, Consul, Vault"),
    ("Penpot", "productivity", "v0.28.0", "20Gi", "Traefik, Consul, Vault"),
    (
        "Stoat (Revolt)",
        "social",
        "v1.0.0",
        "50Gi",
        "Traefik, Consul, Valkey, MongoDB, MinIO, RabbitMQ, Authentik, Vault, Stalwart",
    ),
    ("Stalwart (Mail)", "social", "v1.0.0", "50Gi", "Traefik, Consul, Authentik, Vault"),
    ("Vaultwarden", "data", "v1.0.0", "10Gi", "Traefik, Consul, PostgreSQL, Vault"),
    ("Syncthing", "data", "v1.0.0", "100Gi", "Traefik, Consul, Vault"),
    ("Nextcloud", "data", "v1.0.0", "100Gi", "Traefik, Consul, PostgreSQL, Valkey, Vault"),
    ("Rybbit", "data", "v1.0.0", "50Gi", "Traefik, Consul, PostgreSQL, ClickHouse, Vault"),
    ("Glance", "infrastructure", "v1.0.0", "5Gi", "Traefik, Consul, Vault"),
    ("Bytebase", "infrastructure", "v1.0.0", "20Gi", "Traefik, Consul, PostgreSQL, Vault"),
    ("Harbor", "infrastructure", "v1.0.0", "100Gi", "Traefik, PostgreSQL, Valkey, Vault"),
    ("Pangolin", "infrastructure", "v1.0.0", None, "Consul, Vault"),
    (
        "Remnawave",
        "infrastructure",
        "v1.0.0",
        "20Gi",
        "Traefik, Consul, cert-manager, Authentik, PostgreSQL, Valkey, Vault",
    ),
    ("Devtron", "devtroncd", "v1.0.0", "50Gi", "Traefik, PostgreSQL, Vault"),
    ("Kestra", "automation", ">=0.0.0", "50Gi", "Traefik, Consul, cert-manager, Authentik, PostgreSQL, MinIO, Vault"),
    ("N8n", "automation", ">=0.0.0", "20Gi", "Traefik, Consul, cert-manager, Authentik, PostgreSQL, Valkey, Vault"),
    ("Ghost", "content", "v1.0.0", "20Gi", "Traefik, Consul, cert-manager, Authentik, MySQL, Vault"),
    ("Vert", "utilities", "v1.0.0", None, "Traefik, Consul"),
    ("Metube", "utilities", "v1.0.0", "50Gi", "Traefik, Consul"),
]

# Needs the catalog adds to a row, each for a reason stated in the component's file (hearth check reports the
# seed's Database Allocation table as contradicted for them): Penpot's backend cannot start without either.
NEEDS_ADDED = {"Penpot": ["PostgreSQL", "Valkey"]}

# Base components have no Storage column in the seed: their storage is hearth's choice, not checked here.
NO_STORAGE_COLUMN = {"Namespaces", "Traefik", "Consul", "Vault", "cert-manager", "Authentik", "Monitoring", "Logging"}
