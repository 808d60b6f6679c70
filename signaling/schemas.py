"""JSON Schema for every signaling message, generated from the models in ``signaling.protocol``.

``python -m signaling.schemas`` writes docs/signaling/schemas/: one file per message under
``client/`` (client → server) and ``server/`` (server → client), and ``client.json`` /
``server.json`` for "any message in that direction". ``python -m signaling.schemas --check``
exits 1 when the files on disk differ from the models (a test does the same).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from signaling.protocol import (
    CLIENT_MESSAGES,
    PROTOCOL_VERSION,
    SERVER_MESSAGES,
    _Message,
    client_adapter,
    server_adapter,
)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "docs" / "signaling" / "schemas"


def _type_of(model: type[_Message]) -> str:
    return str(model.model_fields["type"].default)


def _require_type(schema: dict[str, Any]) -> None:
    """Mark ``type`` required (the models default it for convenience; the wire never does)."""
    properties = schema.get("properties", {})
    if "type" in properties:
        required = schema.setdefault("required", [])
        if "type" not in required:
            required.insert(0, "type")
        properties["type"].pop("default", None)


def _finish(schema: dict[str, Any], schema_id: str, title: str) -> dict[str, Any]:
    for definition in [schema, *schema.get("$defs", {}).values()]:
        _require_type(definition)
    return {"$schema": DRAFT, "$id": schema_id, **schema, "title": title}


def generate() -> dict[str, dict[str, Any]]:
    """Relative file name → schema, for both directions of protocol version 1."""
    base = f"closetcall-signaling/v{PROTOCOL_VERSION}"
    files: dict[str, dict[str, Any]] = {}
    for direction, models in (("client", CLIENT_MESSAGES), ("server", SERVER_MESSAGES)):
        for model in models:
            kind = _type_of(model)
            name = f"{direction}/{kind}.json"
            schema = model.model_json_schema(by_alias=True)
            files[name] = _finish(schema, f"{base}/{name}", f"{direction} → {kind}")
    for direction, adapter in (("client", client_adapter), ("server", server_adapter)):
        schema = adapter.json_schema(by_alias=True)
        title = f"any {direction} message" if direction == "client" else "any server message"
        files[f"{direction}.json"] = _finish(schema, f"{base}/{direction}.json", title)
    return files


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def differences(directory: Path = DEFAULT_DIR) -> list[str]:
    """Files that are missing, stale or left over compared with what the models generate."""
    wanted = {name: render(schema) for name, schema in generate().items()}
    found = {p.relative_to(directory).as_posix() for p in directory.rglob("*.json")}
    problems = [f"extra: {name}" for name in sorted(found - wanted.keys())]
    for name, text in wanted.items():
        path = directory / name
        if not path.exists():
            problems.append(f"missing: {name}")
        elif path.read_text() != text:
            problems.append(f"stale: {name}")
    return problems


def write(directory: Path = DEFAULT_DIR) -> list[Path]:
    for stale in directory.rglob("*.json") if directory.exists() else []:
        stale.unlink()
    written = []
    for name, schema in generate().items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(schema))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a change")
    args = parser.parse_args(argv)
    if args.check:
        problems = differences(args.directory)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for path in write(args.directory):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
