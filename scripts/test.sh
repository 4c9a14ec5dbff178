#!/usr/bin/env bash
# README command two: installs what is missing, builds, and runs every test suite. Suites that need
# the broker start their own through scripts/broker.sh, on free ports.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/bootstrap.sh
scripts/postgres.sh
source scripts/env.sh
swift build --build-tests
swift test --skip-build "$@"
