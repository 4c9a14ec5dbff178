#!/usr/bin/env bash
# README command one: installs what is missing, builds, starts the broker and the three services
# as separate processes on loopback, plays the demo scenario and prints the briefing. The
# services keep running until Ctrl-C, which stops everything cleanly.
# Ports: TRIAD_BROKER_PORT (9092), TRIAD_MARKETING_PORT (8081), TRIAD_FINANCE_PORT (8082), TRIAD_IT_PORT (8083).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BROKER_PORT="${TRIAD_BROKER_PORT:-9092}"
declare -A PORTS=([marketing]="${TRIAD_MARKETING_PORT:-8081}" [finance]="${TRIAD_FINANCE_PORT:-8082}" [it]="${TRIAD_IT_PORT:-8083}")
RUN="$ROOT/.run"
mkdir -p "$RUN"

scripts/bootstrap.sh
source scripts/env.sh
echo "building…"
swift build --product marketing-service && swift build --product finance-service \
    && swift build --product it-service && swift build --product triad

for port in "$BROKER_PORT" "${PORTS[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port on 127.0.0.1 is in use; set TRIAD_BROKER_PORT / TRIAD_<SERVICE>_PORT to free ones" >&2
        exit 1
    fi
done

PIDS=()
stop() {
    trap - INT TERM EXIT
    echo; echo "stopping services…"
    for pid in "${PIDS[@]:1}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]:1}"; do wait "$pid" 2>/dev/null || true; done
    kill -TERM "${PIDS[0]}" 2>/dev/null || true
    wait "${PIDS[0]}" 2>/dev/null || true
    echo "stopped; logs are in $RUN"
}
trap stop INT TERM EXIT

scripts/broker.sh "$BROKER_PORT" >"$RUN/broker.log" 2>&1 &
PIDS+=($!)
deadline=$((SECONDS + 30))
until .build/debug/triad topics create --brokers "127.0.0.1:$BROKER_PORT" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "broker did not come up; see $RUN/broker.log" >&2; exit 1; }
    sleep 0.5
done
echo "broker on 127.0.0.1:$BROKER_PORT, topics created"

# The broker keeps its data in memory, so each run starts the services' SQLite files afresh too.
rm -f "$RUN"/*.sqlite "$RUN"/*.sqlite-wal "$RUN"/*.sqlite-shm
for service in marketing finance it; do
    TRIAD_KAFKA_BROKERS="127.0.0.1:$BROKER_PORT" TRIAD_HTTP_PORT="${PORTS[$service]}" \
        TRIAD_DATABASE_URL="sqlite:$RUN/$service.sqlite" \
        ".build/debug/$service-service" >"$RUN/$service.log" 2>&1 &
    PIDS+=($!)
done
for service in marketing finance it; do
    deadline=$((SECONDS + 60))
    until curl -sf "http://127.0.0.1:${PORTS[$service]}/health/ready" >/dev/null; do
        [ $SECONDS -lt $deadline ] || { echo "$service did not become ready; see $RUN/$service.log" >&2; exit 1; }
        sleep 0.5
    done
    echo "$service-service ready on http://127.0.0.1:${PORTS[$service]}"
done

"$TRIAD_PYTHON" scripts/demo.py --marketing "http://127.0.0.1:${PORTS[marketing]}" \
    --brokers "127.0.0.1:$BROKER_PORT" --triad "$ROOT/.build/debug/triad"

echo
echo "The suite keeps running. The board page: http://127.0.0.1:${PORTS[marketing]}/ (open it in a browser; it"
echo "refreshes itself). The same briefing as JSON: curl http://127.0.0.1:${PORTS[marketing]}/briefing."
echo "Ctrl-C stops everything."
wait "${PIDS[0]}"
