#!/usr/bin/env python3
"""Validate a JSON document on stdin against one of docs/schema/*.schema.json.

usage: json_validate.py SCHEMA_DIR [SCHEMA_ID]

Every schema file in SCHEMA_DIR is loaded and registered under its $id, so that $ref's between
them (common.schema.json's definitions) resolve offline. Without SCHEMA_ID, the document's own
"schema" key names the schema. Checks too that "schema" is the document's first key. Exit 0
valid, 1 invalid (the reasons on stderr), 77 when python3-jsonschema is missing.
"""
import glob
import json
import os
import sys
import warnings

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(77)


def load_schemas(directory):
    schemas = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.schema.json"))):
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
        jsonschema.Draft202012Validator.check_schema(s)
        schemas[s["$id"]] = s
    return schemas


def validator_for(schemas, sid):
    schema = schemas[sid]
    try:  # jsonschema >= 4.18: the referencing library
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        registry = Registry().with_resources(
            (k, Resource.from_contents(v, default_specification=DRAFT202012))
            for k, v in schemas.items())
        return jsonschema.Draft202012Validator(schema, registry=registry)
    except ImportError:  # Debian 12's 4.10: a RefResolver with every schema in its store
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            resolver = jsonschema.RefResolver(sid, schema, store=dict(schemas))
        return jsonschema.Draft202012Validator(schema, resolver=resolver)


def main():
    schemas = load_schemas(sys.argv[1])
    text = sys.stdin.read()
    pairs = []
    doc = json.loads(text, object_pairs_hook=lambda kv: pairs.append(kv) or dict(kv))
    if not isinstance(doc, dict):
        print("not one top-level object", file=sys.stderr)
        return 1
    top = pairs[-1]  # the outermost object is completed last
    if not top or top[0][0] != "schema":
        print("'schema' is not the first key: %s" % [k for k, _ in top][:3], file=sys.stderr)
        return 1
    if [k for k, _ in top][:3] != ["schema", "status", "error"]:
        print("the header is not schema, status, error: %s" % [k for k, _ in top][:3],
              file=sys.stderr)
        return 1
    sid = sys.argv[2] if len(sys.argv) > 2 else doc["schema"]
    if doc["schema"] != sid:
        print("schema is %r, expected %r" % (doc["schema"], sid), file=sys.stderr)
        return 1
    if sid not in schemas:
        print("no schema file has $id %r" % sid, file=sys.stderr)
        return 1
    errors = sorted(validator_for(schemas, sid).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors[:10]:
        print("%s: at /%s: %s" % (sid, "/".join(str(p) for p in e.absolute_path), e.message[:300]),
              file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
