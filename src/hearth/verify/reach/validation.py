"""What the API server refuses in the fields reach reads, refused here too, so no verdict rests on an object a
cluster would never hold.

The rules follow the upstream validation code, read at kubernetes/kubernetes
``pkg/apis/networking/validation/validation.go`` (``ValidateNetworkPolicyPort``: protocol, port number or IANA
name, ``endPort``; ``ValidateIPBlock``: a CIDR with its prefix length, each ``except`` a strict subset of
``cidr``) and kubernetes/apimachinery ``pkg/util/validation/validation.go`` (``IsValidPortNum``,
``IsValidPortName``, ``IsQualifiedName``, ``IsValidLabelValue``). Each function raises the document's
:class:`~hearth.verify.build.manifests.ManifestError` with the field path the API server would name.
"""

from __future__ import annotations

import ipaddress
import re

from hearth.verify.build.manifests import Document

__all__ = ["cidr", "label_key", "label_value", "port_name", "port_number", "strict_subset"]

_IANA_NAME = re.compile(r"[-a-z0-9]+")
_HAS_LETTER = re.compile(r"[a-z]")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def port_number(doc: Document, value: int, where: str) -> int:
    """A port number in 1-65535 (``IsValidPortNum``)."""
    if not 1 <= value <= 65535:
        raise doc.error(f"{where}: {value}: must be between 1 and 65535, inclusive")
    return value


def port_name(doc: Document, value: str, where: str) -> str:
    """An IANA service name (``IsValidPortName``): at most 15 of a-z, 0-9 and '-', a letter among them, no
    '-' at either end and no '--'."""
    problem = None
    if not 1 <= len(value) <= 15:
        problem = "must be no more than 15 characters"
    elif not _IANA_NAME.fullmatch(value):
        problem = "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
    elif not _HAS_LETTER.search(value):
        problem = "must contain at least one letter (a-z)"
    elif "--" in value:
        problem = "must not contain consecutive hyphens"
    elif value.startswith("-") or value.endswith("-"):
        problem = "must not begin or end with a hyphen"
    if problem is not None:
        raise doc.error(f"{where}: {value!r}: {problem} (an IANA service name)")
    return value


def cidr(doc: Document, value: str, where: str) -> Network:
    """A CIDR with its prefix length (``10.0.0.0/8``; ``10.0.0.1`` alone is refused, as ``ParseCIDR`` does);
    host bits are allowed and masked, as the API server's sloppy parsing does for this legacy field."""
    if "/" not in value:
        raise doc.error(f"{where}: {value!r}: must be a valid CIDR value (e.g. 10.9.8.0/24): no prefix length")
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise doc.error(f"{where}: {value!r}: must be a valid CIDR value ({exc})") from None


def strict_subset(doc: Document, outer: Network, inner: Network, text: str, where: str) -> None:
    """``except`` must lie inside ``cidr`` with a longer prefix (``ValidateIPBlock``)."""
    if inner.version != outer.version or inner.network_address not in outer or inner.prefixlen <= outer.prefixlen:
        raise doc.error(f"{where}: {text!r}: must be a strict subset of `cidr` ({outer})")


def label_key(doc: Document, key: str, where: str) -> str:
    """A qualified name (``IsQualifiedName``): ``[prefix/]name``, the name at most 63 characters of
    alphanumerics, '-', '_' and '.' starting and ending alphanumeric, the prefix a DNS subdomain."""
    prefix, slash, name = key.rpartition("/")
    problem = None
    if not name or len(name) > 63 or not _LABEL_NAME.fullmatch(name):
        problem = "name part must be 1-63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"
    elif slash and (
        not prefix or len(prefix) > 253 or not all(_DNS_LABEL.fullmatch(part) for part in prefix.split("."))
    ):
        problem = "prefix part must be a lowercase DNS subdomain"
    if problem is not None:
        raise doc.error(f"{where}: {key!r}: {problem}")
    return key


def label_value(doc: Document, value: str, where: str) -> str:
    """A label value (``IsValidLabelValue``): empty, or at most 63 characters shaped like a label name."""
    if value and (len(value) > 63 or not _LABEL_NAME.fullmatch(value)):
        raise doc.error(
            f"{where}: {value!r}: a label value must be empty or 1-63 alphanumerics, '-', '_' or '.', "
            "starting and ending with an alphanumeric"
        )
    return value
