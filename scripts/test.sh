#!/usr/bin/env bash
# README command two: installs what is missing, builds, and runs every test suite. Suites that need
# the broker start their own through scripts/broker.sh, on free ports.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/bootstrap.sh
scripts/postgres.sh
# The dashboard's browser test loads the page in headless Chromium and counts the PDF's pages; the
# producer guide's test runs its kcat examples.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v pdfinfo >/dev/null || missing+=(poppler-utils)
command -v kcat >/dev/null || missing+=(kcat)
if [ ${#missing[@]} -gt 0 ]; then
    echo "test: installing ${missing[*]} from apt"
    if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
source scripts/env.sh
swift build --build-tests
swift test --skip-build "$@"
