#!/usr/bin/env bash
# Runs the local Kafka-compatible broker (Tansu, in-memory storage) on 127.0.0.1:PORT in the
# foreground. A restart empties it; pause it with SIGSTOP/SIGCONT to simulate an outage.
# Usage: scripts/broker.sh [PORT]   (default 9092)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
PORT="${1:-9092}"
exec "$TRIAD_TANSU" broker \
    --listener-url "tcp://127.0.0.1:$PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$PORT" \
    --storage-engine "memory://tansu/" \
    --cluster-id "triad-local-$PORT"
