#!/usr/bin/env bash
# Install the real servers and clients tests/realtools runs, from Debian bookworm's packages:
#   postgresql-15         initdb, postgres (run by hand on a free loopback port, as a non-root user)
#   postgresql-client-15  pg_isready, pg_dumpall, psql
#   mariadb-server        mariadb-install-db, mariadbd (and, through mariadb-client, mysqladmin, mysqldump, mysql)
#   redis-server          redis-server (and, through redis-tools, redis-cli)
#   prometheus-redis-exporter  redis_exporter 1.45, to scrape a password-protected Valkey as the pod's sidecar does
#   rabbitmq-server       RabbitMQ 3.10 on Erlang/OTP 25 (epmd from erlang-base; its rabbitmq_management
#                         plugin, which the bootstrap test enables in its own enabled_plugins file)
#   busybox               the `nc`, `od`, `head` and `sh` applets of the busybox image the AMQP Helm test runs in
#   curl                  the client of the http Helm tests (curlimages/curl in the cluster)
#   docker-compose        `docker-compose config` on the gateway VPS's compose file (tests/edge; no daemon needed)
#   chromium              headless Chromium: tests/docs opens `hearth docs`' HTML page offline (console, screenshot)
#                         and renders the document's Mermaid diagrams with the pinned mermaid.min.js
#
# The packages' own services are never left running or enabled: while apt-get runs, /usr/sbin/policy-rc.d
# answers 101 ("action forbidden") to every start request, and each service of a package this script installed
# is then disabled (sysv links and, where systemd manages the machine, its units). The tests start their own
# servers on free loopback ports in temporary directories and stop them.
#
# Idempotent and fast when everything is present (one dpkg-query, no apt). Prints one line per tool on stdout;
# progress goes to stderr. Exits non-zero if a package cannot be installed, a tool is missing afterwards, or a
# package's system service is found running.
set -euo pipefail

log() { echo "install-services: $*" >&2; }
die() {
    echo "install-services: ERROR: $*" >&2
    exit 1
}

PACKAGES=(postgresql-15 postgresql-client-15 mariadb-server mariadb-client redis-server redis-tools
    prometheus-redis-exporter rabbitmq-server busybox curl docker-compose chromium)
# Init scripts / systemd units the packages above ship, disabled when this script installed their package.
declare -A SERVICES=(
    [postgresql-15]="postgresql"
    [mariadb-server]="mariadb"
    [redis-server]="redis-server"
    [prometheus-redis-exporter]="prometheus-redis-exporter"
    [rabbitmq-server]="rabbitmq-server epmd"
)
# System pid files of those services: none may exist with a live process once the install is done.
PIDFILES=(/run/postgresql/15-main.pid /run/mysqld/mysqld.pid /run/redis/redis-server.pid /run/rabbitmq/pid)

installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]; }

command -v dpkg-query >/dev/null 2>&1 || die "not a Debian system (no dpkg-query): install ${PACKAGES[*]} yourself"

missing=()
for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done

# ---- policy-rc.d: forbid every service start while apt-get runs ----------------------------------------
POLICY=/usr/sbin/policy-rc.d
POLICY_SAVED=""
POLICY_CREATED=""
restore_policy() {
    if [[ -n "$POLICY_CREATED" ]]; then rm -f "$POLICY"; fi
    if [[ -n "$POLICY_SAVED" ]]; then mv -f "$POLICY_SAVED" "$POLICY"; fi
}
forbid_service_starts() {
    if [[ -x "$POLICY" ]]; then
        local rc=0
        "$POLICY" mariadb start >/dev/null 2>&1 || rc=$?
        ((rc == 101)) && return 0 # already forbids starts (container images ship one)
        POLICY_SAVED="$POLICY.hearth-saved"
        mv -f "$POLICY" "$POLICY_SAVED"
    fi
    trap restore_policy EXIT
    printf '#!/bin/sh\n# Written by hearth scripts/install-services.sh while it runs apt-get: start no service.\nexit 101\n' \
        >"$POLICY"
    chmod 0755 "$POLICY"
    POLICY_CREATED=1
}

disable_services() { # PACKAGE...: disable the services of packages this run installed
    local pkg svc
    for pkg in "$@"; do
        for svc in ${SERVICES[$pkg]:-}; do
            if [[ -e "/etc/init.d/$svc" ]] && command -v update-rc.d >/dev/null 2>&1; then
                update-rc.d "$svc" disable >/dev/null 2>&1 || log "update-rc.d $svc disable failed (ignored)"
            fi
            if command -v deb-systemd-helper >/dev/null 2>&1; then
                deb-systemd-helper disable "$svc.service" >/dev/null 2>&1 || true
                deb-systemd-helper disable "$svc.socket" >/dev/null 2>&1 || true
            fi
            if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
                systemctl disable --now "$svc.service" >/dev/null 2>&1 || true
            fi
        done
    done
}

if ((${#missing[@]})); then
    [[ "$(id -u)" == 0 ]] ||
        die "missing Debian packages ${missing[*]}: run 'sudo scripts/install-services.sh' (apt-get needs root)"
    forbid_service_starts
    apt_opts=(-q -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    log "apt-get install ${missing[*]} (services forbidden from starting by $POLICY)"
    start=$SECONDS
    if ! DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" "${missing[@]}" >&2; then
        # No or stale package lists (fresh image): refresh them once and retry.
        log "apt-get update (once), then retry"
        apt-get -q update >&2 || die "apt-get update failed"
        DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" "${missing[@]}" >&2 ||
            die "apt-get install ${missing[*]} failed"
    fi
    disable_services "${missing[@]}"
    log "installed ${missing[*]} in $((SECONDS - start)) s"
    restore_policy
    trap - EXIT
    POLICY_CREATED="" POLICY_SAVED=""
fi

for pidfile in "${PIDFILES[@]}"; do
    if [[ -s "$pidfile" ]] && kill -0 "$(head -n 1 "$pidfile")" 2>/dev/null; then
        die "a system service is running (pid file $pidfile): the tests start their own servers; stop it"
    fi
done

# ---- one line per tool ----------------------------------------------------------------------------------
PG_BIN="/usr/lib/postgresql/15/bin"
how() { # PACKAGE -> "installed" or "present"
    local pkg
    for pkg in "${missing[@]}"; do [[ "$pkg" == "$1" ]] && { echo installed; return; }; done
    echo present
}
report() { # NAME PATH PACKAGE [ARGS that make it print its version and exit 0]
    local name="$1" path="$2" pkg="$3" out
    shift 3
    [[ -x "$path" ]] || die "$name is not at $path after installing Debian $pkg"
    if (($#)); then out="$("$path" "$@" 2>&1)" || die "$name ($path $*) does not run: $out"; fi
    printf '%-18s %-24s %s (Debian %s, %s)\n' "$name" "$(dpkg-query -W -f='${Version}' "$pkg")" "$path" "$pkg" \
        "$(how "$pkg")"
}

report postgres "$PG_BIN/postgres" postgresql-15 --version
report initdb "$PG_BIN/initdb" postgresql-15 --version
report pg_isready "$PG_BIN/pg_isready" postgresql-client-15 --version
report pg_dumpall "$PG_BIN/pg_dumpall" postgresql-client-15 --version
report psql "$PG_BIN/psql" postgresql-client-15 --version
report mariadbd /usr/sbin/mariadbd mariadb-server --version
report mariadb-install-db /usr/bin/mariadb-install-db mariadb-server --version
report mysqladmin /usr/bin/mysqladmin mariadb-client --version
report mysqldump /usr/bin/mysqldump mariadb-client --version
report mysql /usr/bin/mysql mariadb-client --version
report redis-server /usr/bin/redis-server redis-server --version
report redis-cli /usr/bin/redis-cli redis-tools --version
report redis_exporter /usr/bin/prometheus-redis-exporter prometheus-redis-exporter --version
report rabbitmq-server /usr/lib/rabbitmq/bin/rabbitmq-server rabbitmq-server
report epmd /usr/bin/epmd erlang-base
report busybox /usr/bin/busybox busybox --help
report curl /usr/bin/curl curl --version
report docker-compose /usr/bin/docker-compose docker-compose version
report chromium /usr/bin/chromium chromium --version
