#!/usr/bin/env python3
"""Checks Triad's contracts with the reference Python JSON Schema implementation (jsonschema),
independently of the Swift code that generates them.

  check-contracts.py asyncapi                 contracts/asyncapi.json against the official AsyncAPI 3.0.0
                                              JSON Schema, and every $ref in it resolves
  check-contracts.py fixtures [--cases FILE]  every example under contracts/examples: valid ones pass
                                              contracts/cloudevent.schema.json, invalid ones fail it
                                              naming the field they break; --cases writes each case,
                                              expanded, as JSON Lines for the codec's side of the test
  check-contracts.py events FILE...           every line of each file (a structured-mode event) passes
  check-contracts.py decide IN OUT            each line of IN (a value's bytes in hex) read as strictly as
                                              the codec reads JSON, then against the schema: OUT gets one
                                              JSON line per input, {"accept": …, "fields": [… or null]}

Exit status 1 when anything does not hold; each problem is printed.
"""
import copy
import json
import pathlib
import sys

import jsonschema
import rfc3339_validator  # noqa: F401  (makes jsonschema check "date-time"; "date" needs nothing)

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "contracts"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def event_validator():
    schema = load(CONTRACTS / "cloudevent.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def data_schemas():
    """Each standalone data schema must be a valid 2020-12 schema that agrees with the embedded one."""
    problems = []
    envelope = load(CONTRACTS / "cloudevent.schema.json")
    for path in sorted((CONTRACTS / "data").glob("*.schema.json")):
        schema = load(path)
        jsonschema.Draft202012Validator.check_schema(schema)
        name = path.name[: -len(".schema.json")]
        embedded = envelope["$defs"].get(name)
        standalone = {k: v for k, v in schema.items() if k not in ("$schema", "$defs")}
        if embedded != standalone:
            problems.append(f"{path.name}: differs from $defs/{name} in cloudevent.schema.json")
    return problems


def dotted(path):
    """A path as the codec names a field: members dotted, array elements indexed (a.b[0].c)."""
    return "".join(f"[{p}]" if isinstance(p, int) else ("." if i else "") + str(p) for i, p in enumerate(path))


def fields_named(error):
    """The fields (as the codec names them) one validation error is about."""
    path = list(error.absolute_path)
    if error.validator == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        return [dotted(path + [name]) for name in error.validator_value if name not in present]
    return [dotted(path)]


def patched(event, case):
    event = copy.deepcopy(event)
    for dotted, value in case.get("set", {}).items():
        *parents, last = dotted.split(".")
        target = event
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value
    for dotted in case.get("remove", []):
        *parents, last = dotted.split(".")
        target = event
        for key in parents:
            target = target[key]
        del target[last]
    return event


def fixtures(cases_path):
    validator = event_validator()
    problems = data_schemas()
    cases = []
    files = sorted((CONTRACTS / "examples").glob("*.json"))
    for path in files:
        examples = load(path)
        for index, event in enumerate(examples["valid"]):
            name = f"{path.name} valid[{index}]"
            errors = list(validator.iter_errors(event))
            for error in errors:
                problems.append(f"{name}: refused by the schema at {fields_named(error)}: {error.message}")
            cases.append({"name": name, "valid": True, "breaks": None, "event": event})
        for index, case in enumerate(examples["invalid"]):
            name = f"{path.name} invalid[{index}] ({case['rule']})"
            event = patched(examples["valid"][case.get("from", 0)], case)
            named = [field for error in validator.iter_errors(event) for field in fields_named(error)]
            if not named:
                problems.append(f"{name}: the schema accepts it")
            elif case["breaks"] not in named:
                problems.append(f"{name}: the schema names {named}, not {case['breaks']}")
            cases.append({"name": name, "valid": False, "breaks": case["breaks"], "event": event})
    if cases_path:
        with open(cases_path, "w", encoding="utf-8") as out:
            for case in cases:
                out.write(json.dumps(case, ensure_ascii=False) + "\n")
    valid = sum(1 for c in cases if c["valid"])
    print(f"fixtures: {len(files)} files, {valid} valid and {len(cases) - valid} invalid examples")
    return problems


def events(paths):
    validator = event_validator()
    problems = []
    counts = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                event = json.loads(line)
                for error in validator.iter_errors(event):
                    problems.append(f"{path}:{number}: {fields_named(error)}: {error.message}")
                counts[event.get("type")] = counts.get(event.get("type"), 0) + 1
    print("events: " + ", ".join(f"{t} {n}" for t, n in sorted(counts.items(), key=lambda kv: str(kv[0]))))
    return problems


class NotStrictJSON(ValueError):
    pass


def strict_loads(raw):
    """RFC 8259 strictly, as the codec reads it: UTF-8 without repair, no member name twice, no
    NaN/Infinity, numbers a 64-bit float holds, no lone surrogate escapes."""
    text = raw.decode("utf-8")  # strict: overlong forms and surrogates are errors

    def pairs(items):
        names = [name for name, _ in items]
        if len(set(names)) != len(names):
            raise NotStrictJSON("duplicate member name")
        return dict(items)

    def constant(name):
        raise NotStrictJSON(name)

    def number(text):
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise NotStrictJSON("number out of range")
        return value

    def integer(text):
        number(text)
        return int(text)

    value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_float=number, parse_int=integer)

    def walk(item, depth):
        if depth > 64:
            raise NotStrictJSON("too deep")
        if isinstance(item, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in item):
            raise NotStrictJSON("lone surrogate")
        if isinstance(item, dict):
            for name, inner in item.items():
                walk(name, depth)
                walk(inner, depth + 1)
        elif isinstance(item, list):
            for inner in item:
                walk(inner, depth + 1)

    walk(value, 1)
    return value


def decide(in_path, out_path):
    validator = event_validator()
    with open(in_path, encoding="ascii") as lines, open(out_path, "w", encoding="utf-8") as out:
        for line in lines:
            try:
                event = strict_loads(bytes.fromhex(line.strip()))
            except (ValueError, RecursionError):
                out.write(json.dumps({"accept": False, "fields": None}) + "\n")
                continue
            named = [field for error in validator.iter_errors(event) for field in fields_named(error)]
            out.write(json.dumps({"accept": not named, "fields": named}) + "\n")
    return []


def asyncapi():
    document = load(CONTRACTS / "asyncapi.json")
    schema = load(CONTRACTS / "vendor" / "asyncapi-3.0.0.schema.json")
    problems = [
        f"asyncapi.json at {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(document)
    ]

    def resolve(pointer):
        target = document
        for part in pointer[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                return False
            target = target[part]
        return True

    def walk(value, where):
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and not (ref.startswith("#/") and resolve(ref)):
                problems.append(f"asyncapi.json at {where}: $ref {ref} does not resolve")
            for key, inner in value.items():
                walk(inner, f"{where}/{key}")
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, f"{where}/{index}")

    walk(document, "")
    print(f"asyncapi: {len(document['channels'])} channels, {len(document['operations'])} operations, "
          f"{len(document['components']['messages'])} messages")
    return problems


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "asyncapi":
        problems = asyncapi()
    elif command == "fixtures":
        problems = fixtures(rest[1] if rest[:1] == ["--cases"] else None)
    elif command == "events":
        problems = events(rest)
    elif command == "decide":
        problems = decide(rest[0], rest[1])
    else:
        print(f"unknown command {command}\n{__doc__}", file=sys.stderr)
        return 2
    for problem in problems:
        print("FAIL " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
