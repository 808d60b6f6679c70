"""No input makes the published API answer 5xx: property-based fuzzing of every operation.

Every operation in the OpenAPI document is called, as each kind of actor, with values drawn by
Hypothesis in the shape the document gives — and, where it matters, at the edges people hit:
ids and numbers far beyond 32 bits (``10**30``), zero and negatives, ``1e999`` (infinity in
JSON), dates like ``0001-01-01`` and ``9999-12-31``, times at the ends of the day, impossible
calendar days, wrong types, missing bodies. Any 5xx is a failure. The generated requests are in
the shape of the API, so many get past validation and reach the services and the database.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.core.test_unstorable_text import PATH_IDS, _resolve, _world
from tests.factories import api_headers, login

EDGE_INTS = st.sampled_from([0, -1, 1, 2**31 - 1, 2**31, 2**63, 10**30, -(10**30)])
EDGE_NUMBERS = st.sampled_from([0.0, -1.0, 1e308, float("inf"), float("-inf"), 1e-320])
EDGE_DATES = st.sampled_from(
    ["0001-01-01", "9999-12-31", "2026-02-30", "2026-12-04", "1970-01-01", "20261204", ""]
)
EDGE_DATETIMES = st.sampled_from(
    [
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59+09:00",
        "9999-12-31T23:59:59-12:00",
        "2026-12-04T11:00:00",
        "2026-12-05T11:00:00+09:00",
        "2026-13-01T00:00:00Z",
        "1e999",
    ]
)
EDGE_TIMES = st.sampled_from(["00:00", "23:59", "24:00", "11:00", "25:61", "-1:00"])
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(["", " ", "0", "-1", "null", "9" * 40]))


def _value(spec: dict[str, Any], schema: dict[str, Any], draw: Any, ids: list[int]) -> Any:
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    if draw(st.integers(0, 9)) == 0:  # now and then, the wrong type altogether
        return draw(st.sampled_from([None, "x", 10**30, [], {}, True, 1e999]))
    if "enum" in schema:
        return draw(st.sampled_from(schema["enum"]))
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: _value(spec, sub, draw, ids) for name, sub in props.items()}
    if kind == "array":
        size = draw(st.integers(0, 3))
        return [_value(spec, schema.get("items", {}), draw, ids) for _ in range(size)]
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return draw(EDGE_DATETIMES)
        if fmt == "date":
            return draw(EDGE_DATES)
        if fmt == "time":
            return draw(EDGE_TIMES)
        return draw(TEXT)
    if kind == "integer":
        return draw(st.one_of(EDGE_INTS, st.sampled_from(ids)))
    if kind == "number":
        return draw(EDGE_NUMBERS)
    if kind == "boolean":
        return draw(st.booleans())
    return draw(TEXT)


def _request(
    spec: dict[str, Any], path: str, operation: dict[str, Any], world: dict[str, Any], draw: Any
) -> tuple[str, dict[str, Any]]:
    ids = [w.id for w in world.values()]
    url = path
    for name, key in PATH_IDS.items():
        choice = draw(st.one_of(st.just(world[key].id), EDGE_INTS))
        url = url.replace("{" + name + "}", str(choice))
    while "{" in url:
        start, end = url.index("{"), url.index("}")
        url = url[:start] + str(draw(st.sampled_from(["x", "0", str(10**30)]))) + url[end + 1 :]
    params = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and draw(st.booleans()):
            value = _value(spec, parameter.get("schema", {}), draw, ids)
            params[parameter["name"]] = (
                json.dumps(value) if isinstance(value, list | dict) else value
            )
    if params:
        url = f"{url}?{urlencode(params, doseq=False)}"
    content = operation.get("requestBody", {}).get("content", {})
    kwargs: dict[str, Any] = {}
    if "application/json" in content:
        body = _value(spec, content["application/json"]["schema"], draw, ids)
        # json.dumps writes inf as Infinity; 1e999 is what a client that means it would send.
        kwargs["content"] = (
            json.dumps(body).replace("-Infinity", "-1e999").replace("Infinity", "1e999")
        )
        kwargs["headers"] = {"Content-Type": "application/json"}
    elif "multipart/form-data" in content:
        fields = _value(spec, content["multipart/form-data"]["schema"], draw, ids)
        if isinstance(fields, dict):
            kwargs["files"] = {name: (None, str(value).encode()) for name, value in fields.items()}
    return url, kwargs


@pytest.mark.parametrize("actor", [None, "customer", "stylist", "manager"])
async def test_no_operation_answers_5xx_to_anything(
    app: Any, session: AsyncSession, actor: str | None
) -> None:
    world = await _world(session)
    await session.commit()
    spec = app.openapi()
    operations = [
        (path, method, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if path != "/api/v1/auth/logout"  # would end the actor's session mid-run
    ]
    # A crash must come back as the 500 a client would see, not as an exception in the test.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    failures: list[str] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        if actor:
            await login(client, world[actor].email)
        csrf = await api_headers(client)
        loop = asyncio.get_running_loop()

        @settings(
            max_examples=6,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.data())
        def run(data: st.DataObject) -> None:
            for path, method, operation in operations:
                url, kwargs = _request(spec, path, operation, world, data.draw)
                kwargs["headers"] = {**csrf, **kwargs.get("headers", {})}
                future = asyncio.run_coroutine_threadsafe(
                    client.request(method.upper(), url, **kwargs), loop
                )
                answer = future.result(timeout=60)
                if answer.status_code >= 500:
                    body = str(kwargs.get("content", ""))[:200]
                    failures.append(
                        f"{actor or 'anonymous'} {method.upper()} {path}: {url} {body}"
                        f" -> {answer.status_code}"
                    )

        await loop.run_in_executor(None, run)
    assert failures == [], "\n".join(sorted(set(failures))[:40])
