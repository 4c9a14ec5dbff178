# Source this file: it puts the bundled librdkafka (>= 2.2) first on LD_LIBRARY_PATH and names the
# tools the scripts and tests use. Run scripts/bootstrap.sh once before.
TRIAD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TRIAD_ROOT
export LD_LIBRARY_PATH="$TRIAD_ROOT/.venv/rdkafka${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export TRIAD_TANSU="$TRIAD_ROOT/.venv/bin/tansu"
export TRIAD_PYTHON="$TRIAD_ROOT/.venv/bin/python"
