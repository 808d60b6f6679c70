"""The OpenAPI document tells clients what each endpoint does and what can go wrong."""

from __future__ import annotations

from app.main import create_app

NO_ERRORS_POSSIBLE = {("get", "/healthz"), ("get", "/api/v1/auth/csrf"), ("get", "/api/v1/stores")}


def test_every_operation_has_a_description_and_its_error_responses() -> None:
    spec = create_app().openapi()
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not operation.get("description"):
                missing.append(f"{method.upper()} {path}: no description")
            codes = {c for c in operation["responses"] if c[0] in "45"}
            if not codes and (method, path) not in NO_ERRORS_POSSIBLE:
                missing.append(f"{method.upper()} {path}: no error responses")
            for code in codes:
                if code.startswith("4") and code != "422":
                    schema = operation["responses"][code]["content"]["application/json"]["schema"]
                    assert schema["$ref"].endswith("/ErrorBody"), (path, code)
    assert missing == []
    assert len(spec["paths"]) >= 30  # the booking and roster API are in the document
