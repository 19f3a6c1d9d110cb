#!/usr/bin/env bash
# Make sure the PostgreSQL server binaries (initdb, pg_ctl, postgres) are
# available for tests/support/postgres_cluster.py.
#
# Idempotent: when the binaries are already on PATH or in
# /usr/lib/postgresql/*/bin nothing is installed. Otherwise the Debian package
# `postgresql` is installed non-interactively with apt-get (needs root or sudo).
# Prints the directory and version of the binaries found.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

find_bindir() {
    local dir candidate
    # 1. PATH (resolving symlinks such as /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb)
    if candidate=$(command -v initdb 2>/dev/null); then
        dir=$(dirname "$(readlink -f "$candidate")")
        if [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"
            return 0
        fi
    fi
    # 2. Debian layout, newest major version first
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -rn); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"
            return 0
        fi
    done
    # 3. pg_config --bindir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"
            return 0
        fi
    fi
    return 1
}

report() {
    local dir=$1 name
    echo "PostgreSQL server binaries in $dir:"
    for name in initdb pg_ctl postgres; do
        printf '  %-9s %s\n' "$name" "$("$dir/$name" --version)"
    done
}

# initdb refuses to run as root: tests/support/postgres_cluster.py then runs the server as the
# `postgres` OS user, which the Debian package creates but a hand-made install may lack.
ensure_postgres_user() {
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "creating the 'postgres' OS user (the tests run the server as it when run as root)"
        useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/sh postgres
    fi
}

if bindir=$(find_bindir); then
    report "$bindir"
    ensure_postgres_user
    exit 0
fi

echo "initdb/pg_ctl/postgres not found; installing the Debian 'postgresql' package" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: apt-get is not available; install the PostgreSQL server (initdb, pg_ctl, postgres) by hand" >&2
    exit 1
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo -E)
    else
        echo "error: need root (or sudo) to run apt-get" >&2
        exit 1
    fi
fi
"${SUDO[@]}" apt-get update
# The tests start their own throw-away clusters: keep the package from creating (and starting)
# a system cluster on port 5432, as the official PostgreSQL container image does.
"${SUDO[@]}" apt-get install -y --no-install-recommends postgresql-common
if [ -f /etc/postgresql-common/createcluster.conf ]; then
    "${SUDO[@]}" sed -ri 's/^#?\s*(create_main_cluster)\s*=.*$/\1 = false/' /etc/postgresql-common/createcluster.conf
fi
"${SUDO[@]}" apt-get install -y --no-install-recommends postgresql

if bindir=$(find_bindir); then
    report "$bindir"
    ensure_postgres_user
    echo "note: tests/support/postgres_cluster.py also searches /usr/lib/postgresql/*/bin, so PATH needs no change"
    exit 0
fi
echo "error: the postgresql package was installed but initdb/pg_ctl/postgres are still not found" >&2
exit 1
