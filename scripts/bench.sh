#!/usr/bin/env bash
# The benchmark (bench/run.py): release build, one broker per workload, kcat and a Python peer as
# baselines in the same run; ingest (uncapped and, as root, CPU-capped scale-out), cost with size,
# end-to-end latency and HTTP reads. Writes docs/benchmark.md (a full run: 25-35 minutes). Needs
# scripts/bootstrap.sh first; installs kcat if missing. Arguments go to bench/run.py (--events,
# --curve-events, --cap, --only/--skip ingest,postgres,capped,hot,finance,curve,e2e,latency,
# --release-dir DIR, --baseline-dir DIR; see its docstring).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
command -v kcat >/dev/null || {
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq kcat >/dev/null; else sudo apt-get install -y -qq kcat >/dev/null; fi
}
exec "$TRIAD_PYTHON" "$TRIAD_ROOT/bench/run.py" "$@"
