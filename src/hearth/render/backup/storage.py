"""Where backups are kept and for how long: the s3 buckets and region, and retention policies as terms and TTLs."""

from __future__ import annotations

VELERO_BUCKET = "velero"
DUMP_BUCKET = "backups"
S3_REGION = "minio"
HOURS = {"h": 1, "d": 24, "w": 7 * 24, "m": 30 * 24, "y": 365 * 24}


def retention_terms(retention: str) -> list[tuple[int, str]]:
    """``"7d 4w 12m"`` -> ``[(7, "d"), (4, "w"), (12, "m")]``."""
    return [(int(term[:-1]), term[-1]) for term in retention.split()]


def velero_ttl(retention: str) -> str:
    """The longest term of a retention policy as a Velero TTL (``"7d 4w 12m"`` -> ``"8640h0m0s"``)."""
    return f"{max(count * HOURS[unit] for count, unit in retention_terms(retention))}h0m0s"
