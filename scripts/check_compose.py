#!/usr/bin/env python3
"""Checks docker-compose.yml where no Docker engine runs:

1. it is valid against the Compose specification's JSON schema (../shared/compose-spec.json, or
   --schema);
2. every environment variable compose sets for a service is one that service reads, and every
   variable the service needs in a deployment is set — asked of the built executables themselves
   (`<service>-service --list-environment`), so compose and code cannot drift apart;
3. the observability profile: an OpenTelemetry collector that receives OTLP/HTTP only (the
   services are gRPC-free) and hands the traces to Jaeger, and services that can be pointed at it.
"""
import argparse
import json
import pathlib
import subprocess
import sys

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
SERVICES = {"marketing": "marketing-service", "finance": "finance-service", "it": "it-service"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--compose", default=str(ROOT / "docker-compose.yml"))
    parser.add_argument("--schema", default=str(ROOT.parent / "shared" / "compose-spec.json"))
    parser.add_argument("--bin", default=str(ROOT / ".build" / "debug"))
    args = parser.parse_args()

    compose = yaml.safe_load(pathlib.Path(args.compose).read_text())
    schema = json.loads(pathlib.Path(args.schema).read_text())
    problems = []
    try:
        jsonschema.validate(compose, schema)
    except jsonschema.ValidationError as error:
        problems.append(f"schema: {error.message} at {'/'.join(map(str, error.absolute_path))}")

    for name, executable in SERVICES.items():
        service = compose.get("services", {}).get(name)
        if service is None:
            problems.append(f"{name}: missing from the compose file")
            continue
        environment = service.get("environment", {})
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
        listed = subprocess.run([str(pathlib.Path(args.bin) / executable), "--list-environment"],
                                capture_output=True, text=True, check=True).stdout.split("\n")
        reads = {}
        for line in listed:
            if line.strip():
                variable, need = line.split()
                reads[variable] = need
        for variable in sorted(environment):
            if variable not in reads:
                problems.append(f"{name}: compose sets {variable}, which {executable} does not read")
        for variable, need in sorted(reads.items()):
            if need == "required" and variable not in environment:
                problems.append(f"{name}: {executable} needs {variable} in a deployment, compose does not set it")
        for check in ("healthcheck", "depends_on"):
            if check not in service:
                problems.append(f"{name}: no {check}")
        if name != "marketing" and service.get("ports"):
            problems.append(f"{name}: fixed host ports stop `--scale {name}=N`")

    problems += observability_problems(compose)

    for problem in problems:
        print(f"check_compose: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"check_compose: {args.compose} is valid and matches what the services read")


def observability_problems(compose):
    services = compose.get("services", {})
    problems = []
    for name in ("otel-collector", "jaeger"):
        if "observability" not in services.get(name, {}).get("profiles", []):
            problems.append(f"{name}: not in the observability profile")
    collector = services.get("otel-collector", {})
    mounts = [volume.split(":")[0] for volume in collector.get("volumes", []) if isinstance(volume, str)]
    if not mounts:
        return problems + ["otel-collector: mounts no configuration"]
    config = yaml.safe_load((ROOT / mounts[0]).read_text())
    protocols = config.get("receivers", {}).get("otlp", {}).get("protocols", {})
    if set(protocols) != {"http"}:
        problems.append(f"otel-collector: receives OTLP over {sorted(protocols)}; the services send OTLP/HTTP only")
    pipeline = config.get("service", {}).get("pipelines", {}).get("traces", {})
    if not any("jaeger" in str(config.get("exporters", {}).get(name, {}).get("endpoint", "")) for name in pipeline.get("exporters", [])):
        problems.append("otel-collector: its traces pipeline does not export to jaeger")
    for name in SERVICES:
        if "OTEL_EXPORTER_OTLP_ENDPOINT" not in (services.get(name, {}).get("environment") or {}):
            problems.append(f"{name}: OTEL_EXPORTER_OTLP_ENDPOINT is not passed through, so it cannot export traces")
    return problems


if __name__ == "__main__":
    main()
