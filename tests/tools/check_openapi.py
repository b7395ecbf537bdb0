#!/usr/bin/env python3
"""Checks docs/openapi.json against the routes src/http/api.cpp registers.

The server compiles docs/openapi.json in and serves it at
/api/v1/openapi.json (src/app/embed_text.cmake), so it must describe exactly
the API the code registers. This script checks:

  structure  "openapi" is 3.0.x or 3.1.x; "info" has title and version;
             "paths" is an object of paths starting with "/"; every operation
             has a unique operationId, a summary and a non-empty "responses"
             whose keys are status codes (or "default"); every parameter has
             name and in; every "$ref" is local and resolves; every "{param}"
             of a path template is declared as a required path parameter of
             the path or the operation, and no path parameter is declared
             that the template lacks; every security requirement names a
             declared scheme; the text cannot end the raw string literal
             embed_text.cmake wraps it in.
  routes     every `Add("METHOD", "/path"` in api.cpp and in the route files
             beside it named *_api.cpp (e.g. resources_api.cpp; comments
             skipped) is documented, and every documented method and path is
             registered.
             Parameter names do not matter: "{id}" and "{calendar_id}" match.

Usage: check_openapi.py OPENAPI_JSON API_CPP
Exit 0 with a summary when all is well; 1 listing every problem otherwise.
"""

from __future__ import annotations

import json
import os
import re
import sys

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
EMBED_DELIMITER = ')ALMANAC_EMBED"'  # src/app/embed_text.cmake
TEMPLATE_PARAM = re.compile(r"\{([^{}]*)\}")
ROUTE = re.compile(r'\bAdd\(\s*"([A-Z]+)"\s*,\s*"([^"]*)"')


def strip_comments(source: str) -> str:
    """C++ source without // and /* */ comments; string and char literals kept."""
    out = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if source.startswith("//", i):
            j = source.find("\n", i)
            i = n if j < 0 else j
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            out.append(" ")
            i = n if j < 0 else j + 2
        elif source.startswith('R"', i) and (i == 0 or not (source[i - 1].isalnum() or source[i - 1] == "_")):
            m = re.match(r'R"([^()\\ ]{0,16})\(', source[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = source.find(")" + m.group(1) + '"', i + m.end())
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(source[i:j])
            i = j
        elif c == '"' or (c == "'" and not (i > 0 and source[i - 1].isalnum())):  # not 1'000
            j = i + 1
            while j < n and source[j] != c and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            out.append(source[i : j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def normalise(path: str) -> str:
    """The path with every {name} (or router wildcard {name*}) as {}."""
    return TEMPLATE_PARAM.sub("{}", path)


def routes_of(source: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in ROUTE.finditer(strip_comments(source))]


class Checker:
    def __init__(self, doc: object) -> None:
        self.doc = doc
        self.problems: list[str] = []

    def fail(self, message: str) -> None:
        self.problems.append(message)

    # ---- $ref ----------------------------------------------------------------

    def resolve_pointer(self, ref: str) -> tuple[bool, object]:
        if not ref.startswith("#"):
            return False, None
        node = self.doc
        pointer = ref[1:]
        if pointer == "":
            return True, node
        if not pointer.startswith("/"):
            return False, None
        for raw in pointer[1:].split("/"):
            key = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return False, None
        return True, node

    def deref(self, node: object, where: str) -> object:
        """Follows $ref chains (for parameters); reports and returns {} on failure."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or ref in seen:
                self.fail(f"{where}: $ref {ref!r} is not a string or loops")
                return {}
            seen.add(ref)
            ok, node = self.resolve_pointer(ref)
            if not ok:
                return {}  # reported by check_refs
        return node

    def check_refs(self, node: object, where: str) -> int:
        count = 0
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    count += 1
                    ok, _ = self.resolve_pointer(value)
                    if not ok:
                        self.fail(f"{where}: $ref {value!r} does not resolve (only local refs allowed)")
                elif key == "$ref":
                    self.fail(f"{where}: $ref is not a string")
                else:
                    count += self.check_refs(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                count += self.check_refs(value, f"{where}/{i}")
        return count

    # ---- structure -------------------------------------------------------------

    def check_parameters(self, params: object, where: str) -> dict[tuple[str, str], dict]:
        out: dict[tuple[str, str], dict] = {}
        if params is None:
            return out
        if not isinstance(params, list):
            self.fail(f"{where}: parameters is not an array")
            return out
        for i, p in enumerate(params):
            p = self.deref(p, f"{where}/parameters/{i}")
            if not isinstance(p, dict) or "name" not in p or "in" not in p:
                self.fail(f"{where}: parameter {i} lacks name or in")
                continue
            if p["in"] not in ("path", "query", "header", "cookie"):
                self.fail(f"{where}: parameter {p['name']!r} has in={p['in']!r}")
            key = (p["in"], p["name"] if p["in"] != "header" else str(p["name"]).lower())
            if key in out:
                self.fail(f"{where}: parameter {p['name']!r} ({p['in']}) is declared twice")
            out[key] = p
        return out

    def check(self) -> list[tuple[str, str]]:
        """Checks the structure; returns the documented (METHOD, path) pairs."""
        doc = self.doc
        documented: list[tuple[str, str]] = []
        if not isinstance(doc, dict):
            self.fail("the document is not a JSON object")
            return documented
        version = doc.get("openapi")
        if not isinstance(version, str) or not re.fullmatch(r"3\.[01]\.\d+", version):
            self.fail(f"openapi is {version!r}, expected 3.0.x or 3.1.x")
        info = doc.get("info")
        if not isinstance(info, dict) or not info.get("title") or not info.get("version"):
            self.fail("info must be an object with title and version")
        components = doc.get("components", {})
        schemes = components.get("securitySchemes", {}) if isinstance(components, dict) else {}

        def check_security(security: object, where: str) -> None:
            if not isinstance(security, list):
                self.fail(f"{where}: security is not an array")
                return
            for requirement in security:
                if not isinstance(requirement, dict):
                    self.fail(f"{where}: a security requirement is not an object")
                    continue
                for name in requirement:
                    if name not in schemes:
                        self.fail(f"{where}: security scheme {name!r} is not declared")

        if "security" in doc:
            check_security(doc["security"], "security")

        paths = doc.get("paths")
        if not isinstance(paths, dict):
            self.fail("paths is missing or not an object")
            return documented
        operation_ids: dict[str, str] = {}
        normalised_paths: dict[str, str] = {}
        for path, item in paths.items():
            if not path.startswith("/"):
                self.fail(f"path {path!r} does not start with /")
            if normalise(path) in normalised_paths:
                self.fail(f"paths {normalised_paths[normalise(path)]!r} and {path!r} are the same route")
            normalised_paths[normalise(path)] = path
            if not isinstance(item, dict):
                self.fail(f"{path}: the path item is not an object")
                continue
            template = TEMPLATE_PARAM.findall(path)
            if len(set(template)) != len(template):
                self.fail(f"{path}: a template parameter appears twice")
            path_level = self.check_parameters(item.get("parameters"), path)
            operations = [m for m in METHODS if m in item]
            if not operations:
                self.fail(f"{path}: no operations")
            for method in operations:
                op = item[method]
                where = f"{method.upper()} {path}"
                documented.append((method.upper(), path))
                if not isinstance(op, dict):
                    self.fail(f"{where}: the operation is not an object")
                    continue
                op_id = op.get("operationId")
                if not isinstance(op_id, str) or not op_id:
                    self.fail(f"{where}: no operationId")
                elif op_id in operation_ids:
                    self.fail(f"{where}: operationId {op_id!r} is also used by {operation_ids[op_id]}")
                else:
                    operation_ids[op_id] = where
                if not isinstance(op.get("summary"), str) or not op["summary"]:
                    self.fail(f"{where}: no summary")
                responses = op.get("responses")
                if not isinstance(responses, dict) or not responses:
                    self.fail(f"{where}: no responses")
                else:
                    for status, response in responses.items():
                        if status != "default" and not re.fullmatch(r"[1-5]([0-9]{2}|XX)", status):
                            self.fail(f"{where}: response key {status!r} is not a status code")
                        response = self.deref(response, f"{where} {status}")
                        if not isinstance(response, dict) or "description" not in response:
                            self.fail(f"{where}: response {status} has no description")
                if "requestBody" in op:
                    body = self.deref(op["requestBody"], f"{where} requestBody")
                    if not isinstance(body, dict) or not body.get("content"):
                        self.fail(f"{where}: requestBody has no content")
                if "security" in op:
                    check_security(op["security"], where)
                params = dict(path_level)
                params.update(self.check_parameters(op.get("parameters"), where))
                declared = {name for (kind, name) in params if kind == "path"}
                for name in template:
                    if name not in declared:
                        self.fail(f"{where}: path parameter {{{name}}} is not declared")
                    elif params[("path", name)].get("required") is not True:
                        self.fail(f"{where}: path parameter {{{name}}} is not required: true")
                for name in sorted(declared - set(template)):
                    self.fail(f"{where}: path parameter {name!r} is not in the path template")
        self.ref_count = self.check_refs(doc, "#")
        self.operation_count = len(documented)
        return documented


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        usage = [line for line in __doc__.splitlines() if line.startswith("Usage:")]
        print(usage[0], file=sys.stderr)
        return 2
    openapi_path, api_path = argv[1], argv[2]
    problems: list[str] = []
    try:
        with open(openapi_path, encoding="utf-8") as f:
            text = f.read()
        doc = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        print(f"check_openapi: {openapi_path}: {e}", file=sys.stderr)
        return 1
    # Route files that RegisterApi pulls in live beside api.cpp as *_api.cpp.
    api_dir = os.path.dirname(os.path.abspath(api_path))
    route_files = [api_path] + sorted(
        os.path.join(api_dir, name) for name in os.listdir(api_dir)
        if name.endswith("_api.cpp") and os.path.join(api_dir, name) != os.path.abspath(api_path))
    sources: list[tuple[str, str]] = []
    for path in route_files:
        try:
            with open(path, encoding="utf-8") as f:
                sources.append((path, f.read()))
        except (OSError, UnicodeDecodeError) as e:
            print(f"check_openapi: {path}: {e}", file=sys.stderr)
            return 1

    if EMBED_DELIMITER in text:
        problems.append(f"the document contains {EMBED_DELIMITER!r}, which ends embed_text.cmake's raw string")

    checker = Checker(doc)
    documented = checker.check()
    problems.extend(checker.problems)

    code_routes: dict[tuple[str, str], str] = {}
    route_file: dict[tuple[str, str], str] = {}
    for source_path, source in sources:
        registered = routes_of(source)
        if not registered:
            problems.append(f"{source_path}: no Add(\"METHOD\", \"/path\", ...) routes found")
        for method, path in registered:
            key = (method, normalise(path))
            if key in code_routes:
                problems.append(f"{source_path}: {method} {path} is registered twice")
            code_routes[key] = path
            route_file[key] = source_path
    doc_routes = {(method, normalise(path)): path for method, path in documented}
    for key in sorted(code_routes.keys() - doc_routes.keys(), key=lambda k: (k[1], k[0])):
        problems.append(f"undocumented route: {key[0]} {code_routes[key]} (registered in {route_file[key]})")
    for key in sorted(doc_routes.keys() - code_routes.keys(), key=lambda k: (k[1], k[0])):
        problems.append(f"documented but not registered: {key[0]} {doc_routes[key]}")

    if problems:
        print(f"check_openapi: {len(problems)} problem(s) in {openapi_path}:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(
        f"check_openapi: OK: OpenAPI {doc['openapi']}, {len(doc['paths'])} paths, "
        f"{checker.operation_count} operations, {checker.ref_count} $refs resolved; "
        f"all {len(code_routes)} routes of {', '.join(p for p, _ in sources)} documented"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
