"""signaling/ is a library: it must never import the application."""

from __future__ import annotations

import ast
from pathlib import Path

import signaling


def test_signaling_imports_nothing_from_app() -> None:
    offenders = []
    for path in Path(signaling.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n == "app" or n.startswith("app.")]
    assert offenders == []
