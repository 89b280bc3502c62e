#!/usr/bin/env python3
"""Validate a JSON document on stdin against one of docs/schema/*.schema.json.

usage: json_validate.py SCHEMA_DIR [SCHEMA_ID]
       json_validate.py --batch SCHEMA_DIR CASE_DIR

Every schema file in SCHEMA_DIR is loaded and registered under its $id, so that $ref's between
them (common.schema.json's definitions) resolve offline: nothing is fetched. A schema's $id is
BASE + the "schema" value of its documents (BASE is under .invalid, a name that never resolves). Without SCHEMA_ID, the document's own
"schema" key names the schema. Checks too that "schema" is the document's first key. Exit 0
valid, 1 invalid (the reasons on stderr), 77 when python3-jsonschema is missing.

--batch validates many documents in one run (loading jsonschema once): CASE_DIR holds N.json
(a command's stdout), N.err (its stderr) and N.meta ("NAME<TAB>EXIT<TAB>OK|ERR"). Besides the
schema, it checks that status.code is the exit status and that error is null for OK, and for ERR
a message that stderr holds too. Prints "ok NAME: SCHEMA_ID" or "FAIL NAME: why" per case.
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


BASE = "https://schemas.rootwarden.invalid/"


def load_schemas(directory):
    """{"rootwarden/<doc>/1": schema} of every file in directory"""
    schemas = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.schema.json"))):
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
        jsonschema.Draft202012Validator.check_schema(s)
        if not s["$id"].startswith(BASE):
            raise SystemExit("%s: $id %r is not under %s" % (path, s["$id"], BASE))
        schemas[s["$id"][len(BASE):]] = s
    return schemas


def validator_for(schemas, sid):
    schema = schemas[sid]
    try:  # jsonschema >= 4.18: the referencing library
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        registry = Registry().with_resources(
            (v["$id"], Resource.from_contents(v, default_specification=DRAFT202012))
            for v in schemas.values())
        return jsonschema.Draft202012Validator(schema, registry=registry)
    except ImportError:  # Debian 12's 4.10: a RefResolver with every schema in its store
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            resolver = jsonschema.RefResolver.from_schema(
                schema, store={v["$id"]: v for v in schemas.values()})
        return jsonschema.Draft202012Validator(schema, resolver=resolver)


def check_doc(schemas, text, sid=None):
    """The reasons text is not a valid document (an empty list when it is), and its schema id."""
    pairs = []
    try:
        doc = json.loads(text, object_pairs_hook=lambda kv: pairs.append(kv) or dict(kv))
    except ValueError as e:
        return ["not JSON: %s" % e], None
    if not isinstance(doc, dict):
        return ["not one top-level object"], None
    keys = [k for k, _ in pairs[-1]]  # the outermost object is completed last
    if keys[:3] != ["schema", "status", "error"]:
        return ["the first keys are not schema, status, error: %s" % keys[:3]], None
    sid = sid or doc["schema"]
    if doc["schema"] != sid:
        return ["schema is %r, expected %r" % (doc["schema"], sid)], sid
    if sid not in schemas:
        return ["no schema file has $id %r" % sid], sid
    errors = sorted(validator_for(schemas, sid).iter_errors(doc), key=lambda e: list(e.path))
    return ["at /%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message[:300])
            for e in errors[:10]], sid


def batch(schemas, case_dir):
    bad = 0
    for meta in sorted(glob.glob(os.path.join(case_dir, "*.meta")),
                       key=lambda p: int(os.path.basename(p).split(".")[0])):
        base = meta[:-5]
        name, want, kind = open(meta, encoding="utf-8").read().rstrip("\n").split("\t")
        text = open(base + ".json", encoding="utf-8").read()
        why, sid = check_doc(schemas, text)
        if not why:
            d = json.loads(text)
            if d["status"]["code"] != int(want):
                why.append("status.code %s, exit status %s" % (d["status"]["code"], want))
            if kind == "OK" and d["error"] is not None:
                why.append("error should be null: %r" % d["error"])
            if kind == "ERR":
                if not isinstance(d["error"], str) or not d["error"]:
                    why.append("error should be a message: %r" % d["error"])
                elif d["error"] not in open(base + ".err", encoding="utf-8").read():
                    why.append("the error is not on stderr too: %r" % d["error"])
        if why:
            bad += 1
            print("FAIL %s: %s" % (name, "; ".join(why)))
        else:
            print("ok %s: %s" % (name, sid))
    return 1 if bad else 0


def main():
    if sys.argv[1] == "--batch":
        return batch(load_schemas(sys.argv[2]), sys.argv[3])
    schemas = load_schemas(sys.argv[1])
    why, sid = check_doc(schemas, sys.stdin.read(), sys.argv[2] if len(sys.argv) > 2 else None)
    for w in why:
        print("%s: %s" % (sid, w), file=sys.stderr)
    return 1 if why else 0


if __name__ == "__main__":
    sys.exit(main())
