"""A scan of every file of a build for plaintext credentials: nothing secret is ever written under ``build/``.

Three kinds of finding, each with the file and line (never the value: the report must not leak it either):

* a private key block (``-----BEGIN ... PRIVATE KEY-----``);
* a token of a known format: AWS access key ids, GitHub, GitLab and Slack tokens, Vault/OpenBao service and
  batch tokens (``hvs.``, ``hvb.``, ``s.``-less forms are too short to tell), JSON Web Tokens, Google API keys,
  Stripe live keys;
* a high-entropy value under a secret-like key (``password``, ``secret``, ``token``, ``api_key``,
  ``access_key``, ``private_key``, ``credential``): a value of at least 16 characters, with letters and digits,
  no spaces, no template (``{{``), placeholder or path, and a Shannon entropy of at least 3.5 bits per character.
  References (``kv/...``, ``database/static-creds/...``, ``/vault/secrets/...``), Secret names and environment variable
  names are not values and are never flagged.

Patterns: gitleaks' default rules (github.com/gitleaks/gitleaks config/gitleaks.toml) for the token formats.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TOKENS: dict[str, re.Pattern[str]] = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b"),
    "GitHub token": re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{82}\b"),
    "GitLab token": re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    "Vault token": re.compile(r"\bhv[sbr]\.[A-Za-z0-9_-]{24,}\b"),
    "JSON Web Token": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe live key": re.compile(r"\b[rs]k_live_[0-9A-Za-z]{24,}\b"),
}
# Text every match of a TOKENS pattern contains (one of): a file holding none of a pattern's is not searched with
# it line by line (a substring test of the whole file is far cheaper than a regular-expression search per line).
LITERALS: dict[str, tuple[str, ...]] = {
    "private key": ("PRIVATE KEY",),
    "AWS access key id": ("AKIA", "ASIA", "ABIA", "ACCA"),
    "GitHub token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "GitLab token": ("glpat-",),
    "Slack token": ("xox",),
    "Vault token": ("hvs.", "hvb.", "hvr."),
    "JSON Web Token": ("eyJ",),
    "Google API key": ("AIza",),
    "Stripe live key": ("k_live_",),
}
# Each kind's literals as one expression: one search of the text per kind (the regular expression engine's search
# for an alternation of literals is cheaper than a substring test per literal).
_LITERAL_SEARCH = {kind: re.compile("|".join(map(re.escape, words))) for kind, words in LITERALS.items()}
SECRET_KEY = re.compile(r"(pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)", re.I)
_SECRET_KEY_LOWER = re.compile(SECRET_KEY.pattern)
# key: value (YAML), "key": "value" (JSON), key=value / key = "value" (env, ini, HCL, properties), export key=value.
ASSIGNMENT = re.compile(
    r"""^\s*(?:export\s+|-\s+)?["']?([A-Za-z0-9_.\-]+)["']?\s*[:=]\s*["']?([^"'\s,#]+)["']?\s*,?\s*$"""
)
MIN_LENGTH = 16
MIN_ENTROPY = 3.5
REFERENCE = re.compile(
    r"^(kv|database|pki\w*|secret|auth|sys)/|^/|\{\{|\$\{|\$\(|^[a-z][a-z0-9]*(-[a-z0-9]+)+$|^[A-Z0-9_]+$"
)


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _high_entropy(value: str) -> bool:
    return (
        len(value) >= MIN_LENGTH
        and not REFERENCE.search(value)
        and any(c.isalpha() for c in value)
        and any(c.isdigit() for c in value)
        and entropy(value) >= MIN_ENTROPY
    )


@dataclass(frozen=True)
class Finding:
    """A plaintext credential: where (file, 1-based line) and what kind; never the value."""

    file: str
    line: int
    kind: str

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {"file": self.file, "line": self.line, "kind": self.kind}


# Line breaks str.splitlines() knows besides "\n": a text holding none of them has the same lines split on "\n".
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def scan_text(rel: str, text: str) -> list[Finding]:
    """The findings of one file's text."""
    patterns = [(kind, pattern) for kind, pattern in TOKENS.items() if _LITERAL_SEARCH[kind].search(text)]
    if patterns or _OTHER_BREAKS.search(text):
        return _scan_lines(rel, enumerate(text.splitlines(), start=1), patterns)
    return _scan_lines(rel, _secret_key_lines(text), [])


# Text every match of SECRET_KEY holds, in lower case (one of): where none occurs, no line can match.
_KEY_WORDS = ("pass", "secret", "token", "key", "credential")


def _secret_key_lines(text: str) -> list[tuple[int, str]]:
    """The lines of ``text`` (split on "\n" alone) where SECRET_KEY matches, with their 1-based numbers.

    Without a token pattern to search, only such a line can be flagged (under a secret-like key). In ASCII text
    (matched case-sensitively in its lower case, as re.I would match it) the lines are those of the occurrences of
    :data:`_KEY_WORDS`, found by ``str.find`` and each line confirmed by the pattern: far cheaper than the pattern's
    search through the whole text. Other text is searched with the pattern itself (re.I folds some non-ASCII
    letters, such as the long s, to ASCII ones)."""
    if not text.isascii():
        return _matching_lines(text, SECRET_KEY)
    lower = text.lower()
    starts: set[int] = set()
    for word in _KEY_WORDS:
        found = lower.find(word)
        while found >= 0:
            start = lower.rfind("\n", 0, found) + 1
            end = lower.find("\n", found)
            end = len(lower) if end < 0 else end
            if start not in starts and _SECRET_KEY_LOWER.search(lower, start, end):
                starts.add(start)
            found = lower.find(word, end)
    out: list[tuple[int, str]] = []
    number, counted = 1, 0
    for start in sorted(starts):
        number += text.count("\n", counted, start)
        counted = start
        end = text.find("\n", start)
        out.append((number, text[start : len(text) if end < 0 else end]))
    return out


def _matching_lines(text: str, key: re.Pattern[str]) -> list[tuple[int, str]]:
    """The lines of ``text`` (split on "\n" alone) where ``key`` matches, by one search through the whole text."""
    out: list[tuple[int, str]] = []
    number, counted, position = 1, 0, 0
    while (found := key.search(text, position)) is not None:
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end())
        end = len(text) if end < 0 else end
        number += text.count("\n", counted, start)
        counted = start
        out.append((number, text[start:end]))
        position = end + 1
    return out


def _scan_lines(
    rel: str, lines: Iterable[tuple[int, str]], patterns: list[tuple[str, re.Pattern[str]]]
) -> list[Finding]:
    out = []
    for number, line in lines:
        tokens = [Finding(rel, number, kind) for kind, pattern in patterns if pattern.search(line)]
        out += tokens
        found = ASSIGNMENT.match(line)
        if not tokens and found and SECRET_KEY.search(found.group(1)) and _high_entropy(found.group(2)):
            out.append(Finding(rel, number, f"high-entropy value under {found.group(1)!r}"))
    return out


def scan_build(root: Path) -> tuple[int, list[Finding]]:
    """(files scanned, findings) over every regular file under ``root`` (binary files: their text parts)."""
    files = 0
    out: list[Finding] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        files += 1
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue
        out += scan_text(path.relative_to(root).as_posix(), text)
    return files, out
