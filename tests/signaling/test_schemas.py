"""The published protocol: committed JSON Schemas equal what the models generate, and the doc's
tables of error and close codes equal the codes the server has."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import jsonschema
import pytest

import signaling
from signaling import schemas
from signaling.protocol import CLOSE_REASONS, CloseCode, ErrorCode

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "signaling.md"


def _table_codes(heading: str) -> list[str]:
    """The first column's `code` values of the table under ``## heading`` in docs/signaling.md."""
    text = DOC.read_text()
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)


def test_committed_schemas_are_what_the_models_generate() -> None:
    assert schemas.differences() == [], (
        "docs/signaling/schemas/ is stale: run `.venv/bin/python -m signaling.schemas`"
    )


def test_the_check_notices_a_stale_missing_or_extra_file(tmp_path: Path) -> None:
    schemas.write(tmp_path)
    assert schemas.differences(tmp_path) == []
    (tmp_path / "client" / "join.json").write_text("{}\n")
    (tmp_path / "server" / "pong.json").unlink()
    (tmp_path / "server" / "old.json").write_text("{}\n")
    assert schemas.differences(tmp_path) == [
        "extra: server/old.json",
        "stale: client/join.json",
        "missing: server/pong.json",
    ]
    assert schemas.main([str(tmp_path), "--check"]) == 1


@pytest.mark.parametrize("path", sorted((ROOT / "docs/signaling/schemas").rglob("*.json")))
def test_every_schema_is_a_valid_draft_2020_12_schema(path: Path) -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_the_doc_tables_every_error_code_and_nothing_else() -> None:
    assert sorted(_table_codes("Error codes")) == sorted(code.value for code in ErrorCode)


def test_the_doc_tables_every_close_code_and_nothing_else() -> None:
    assert sorted(_table_codes("Close codes")) == sorted(str(int(code)) for code in CloseCode)
    assert set(CLOSE_REASONS) == set(CloseCode)
    assert all(len(reason.encode()) <= 123 for reason in CLOSE_REASONS.values())


def test_the_error_schema_lists_exactly_the_error_codes() -> None:
    error = json.loads((ROOT / "docs/signaling/schemas/server/error.json").read_text())
    enum = error["$defs"]["ErrorCode"]["enum"]
    assert sorted(enum) == sorted(code.value for code in ErrorCode)


def test_errors_and_closes_are_raised_only_with_the_enums() -> None:
    """A bare string or number would bypass the tables above."""
    sources = [*Path(signaling.__file__).parent.glob("*.py"), ROOT / "app/consultation/ws.py"]
    offenders = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            first = node.args[0] if node.args else None
            if name == "ProtocolError" and isinstance(first, ast.Constant):
                offenders.append(f"{path.name}:{node.lineno}")
            if name == "close" and isinstance(first, ast.Constant):
                offenders.append(f"{path.name}:{node.lineno}")
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
