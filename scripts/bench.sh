#!/usr/bin/env bash
# The ingest benchmark (bench/run.py): release build, one broker per workload, kcat and a Python
# peer as baselines in the same run. Writes docs/benchmark.md. Needs scripts/bootstrap.sh first;
# installs kcat if missing. Arguments go to bench/run.py (--events, --skip postgres,hot,finance,rss,latency,
# --only latency, --release-dir DIR; see its docstring).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
command -v kcat >/dev/null || {
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq kcat >/dev/null; else sudo apt-get install -y -qq kcat >/dev/null; fi
}
exec "$TRIAD_PYTHON" "$TRIAD_ROOT/bench/run.py" "$@"
