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
# The image test builds the runtime root filesystem with debootstrap and forwards ports with socat.
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v socat >/dev/null || missing+=(socat)
command -v ss >/dev/null || missing+=(iproute2)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
    echo "test: installing ${missing[*]} from apt"
    if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
source scripts/env.sh
# Formatting is checked before anything is built: .swift-format says how (swift format format
# --in-place --recursive Package.swift Services Shared Tools Tests fixes what this finds).
swift format lint --strict --recursive --parallel Package.swift Services Shared Tools Tests
swift build --build-tests
swift test --skip-build "$@"
# The image test (docker compose's image and environment without an engine) runs with the whole
# suite; a filtered run (scripts/test.sh --filter X) is only that.
if [ $# -eq 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        "$TRIAD_PYTHON" scripts/image-test.py
    else
        # sudo resets PATH; the build stage needs this one (it finds swift).
        sudo -E env PATH="$PATH" "$TRIAD_PYTHON" scripts/image-test.py
    fi
fi
