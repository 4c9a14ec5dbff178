#!/usr/bin/env bash
# Makes a local PostgreSQL available for the tests that scale services out: installs Debian's
# postgresql if missing, starts it (loopback only, port 5432), and creates the role `triad`
# (password `triad`, may create databases). Tests create a database of their own per run.
# Safe to run again.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "postgres: installing postgresql from apt"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
fi
if ! pg_lsclusters -h 2>/dev/null | grep -q online; then
    as_root service postgresql start >/dev/null
fi
deadline=$((SECONDS + 30))
until as_root su postgres -c "psql -qtAc 'SELECT 1'" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "postgres: the server did not come up" >&2; exit 1; }
    sleep 0.5
done
# The suite runs many tests at once, each service holding a pool of connections (5 by default):
# room for 300 rather than PostgreSQL's 100 (a restart applies it, once).
if [ "$(as_root su postgres -c "psql -qtAc 'SHOW max_connections'")" -lt 300 ]; then
    as_root su postgres -c "psql -qtAc 'ALTER SYSTEM SET max_connections = 300'" >/dev/null
    as_root service postgresql restart >/dev/null
    deadline=$((SECONDS + 30))
    until as_root su postgres -c "psql -qtAc 'SELECT 1'" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || { echo "postgres: the server did not come back" >&2; exit 1; }
        sleep 0.5
    done
fi
as_root su postgres -c "psql -qtAc \"DO \\\$\\\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'triad') THEN
    CREATE ROLE triad LOGIN PASSWORD 'triad' CREATEDB;
  END IF;
END \\\$\\\$;\"" >/dev/null
echo "postgres: ready on 127.0.0.1:5432 (role triad)"
