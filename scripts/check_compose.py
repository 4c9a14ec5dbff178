#!/usr/bin/env python3
"""Checks docker-compose.yml where no Docker engine runs:

1. it is valid against the Compose specification's JSON schema (../shared/compose-spec.json, or
   --schema);
2. every environment variable compose sets for a service is one that service reads, and every
   variable the service needs in a deployment is set — asked of the built executables themselves
   (`<service>-service --list-environment`), so compose and code cannot drift apart.
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

    for problem in problems:
        print(f"check_compose: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"check_compose: {args.compose} is valid and matches what the services read")


if __name__ == "__main__":
    main()
