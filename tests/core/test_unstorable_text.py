"""Text the database cannot store (NUL, lone surrogates) is a 422 everywhere, never a 500.

PostgreSQL refuses NUL in text and no driver can encode a lone surrogate as UTF-8, so a field
without its validator used to answer 500 on PostgreSQL only (a cancellation reason did). Two
layers hold the family: each schema's own validator says which field to fix, and the engine
refuses any such statement parameter, so a route that forgets its validator still answers 422.
The generated test sends both kinds of text in every string field and query parameter of every
operation in the OpenAPI document, as every kind of actor, on both databases.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.booking.models import Appointment
from app.core.db import unstorable_text
from app.core.errors import InvalidInput
from app.store.models import Store
from tests.factories import (
    api_headers,
    login,
    make_appointment,
    make_customer,
    make_manager,
    make_service,
    make_shift,
    make_store,
    make_stylist,
    tomorrow_at,
)

NUL = "before\x00after"
SURROGATE = "before\ud800after"


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("", False),
        ("plain ascii", False),
        ("田中 愛子 ネイビー", False),
        ("emoji 👗 ok", False),
        ("line\nbreaks\tand tabs", False),
        ("\x00", True),
        (NUL, True),
        ("日本語\x00", True),
        (SURROGATE, True),
        ("\udfff", True),
    ],
)
def test_which_text_no_database_can_store(value: str, refused: bool) -> None:
    assert unstorable_text(value) is refused


async def test_the_engine_refuses_such_text_in_any_statement(session: AsyncSession) -> None:
    store = await make_store(session)
    store_id, before = store.id, store.name_en
    for bad in (NUL, SURROGATE):
        with pytest.raises(InvalidInput):
            async with session.begin_nested():
                store.name_en = bad
                await session.flush()
        query = select(Store).where(Store.id == store_id).execution_options(populate_existing=True)
        again = (await session.exec(query)).one()
        assert again.name_en == before  # nothing of the refused statement was written


async def _world(session: AsyncSession) -> dict[str, Any]:
    store = await make_store(session)
    manager = await make_manager(session, store)
    stylist = await make_stylist(session, store)
    service = await make_service(session, store, cancellation_notice_hours=0)
    shift = await make_shift(session, stylist, store, tomorrow_at(10), hours=6)
    customer = await make_customer(session)
    appointment = await make_appointment(
        session, customer=customer, stylist=stylist, service=service, start=tomorrow_at(11, days=2)
    )
    return {
        "store": store,
        "manager": manager,
        "stylist": stylist,
        "service": service,
        "shift": shift,
        "customer": customer,
        "appointment": appointment,
    }


class TestCancellationReason:
    async def test_a_nul_in_the_reason_is_422_and_the_booking_stays(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        world = await _world(session)
        await login(client, world["customer"].email)
        url = f"/api/v1/appointments/{world['appointment'].id}/cancel"
        headers = await api_headers(client)
        for bad in (NUL, SURROGATE, "ok\x07bell"):
            answer = await client.post(
                url,
                content=json.dumps({"reason": bad}),
                headers={**headers, "Content-Type": "application/json"},
            )
            assert answer.status_code == 422, answer.text
            assert [f["field"] for f in answer.json()["fields"]] == ["reason"]
            if bad != SURROGATE:  # pydantic's own words for that one: "not a valid string"
                assert "control characters" in answer.json()["detail"]
        stored = await session.get(Appointment, world["appointment"].id, populate_existing=True)
        assert stored is not None and stored.status == "booked" and stored.cancel_reason == ""
        several_lines = await client.post(
            url, json={"reason": "体調不良\n来週また"}, headers=headers
        )
        assert several_lines.status_code == 200, several_lines.text
        assert several_lines.json()["cancel_reason"] == "体調不良\n来週また"


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _resolve(spec, options[0])
    return schema


def _sample(spec: dict[str, Any], schema: dict[str, Any], bad: str, ids: int) -> Any:
    """A value of the schema's shape where every free-text string is ``bad``."""
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: _sample(spec, sub, bad, ids) for name, sub in props.items()}
    if kind == "array":
        return [_sample(spec, schema.get("items", {}), bad, ids)]
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return tomorrow_at(11).isoformat()
        if fmt == "date":
            return tomorrow_at(11).date().isoformat()
        if fmt == "time":
            return "11:00"
        return bad
    if kind == "integer":
        return ids
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return bad


PATH_IDS = {
    "appointment_id": "appointment",
    "customer_id": "customer",
    "store_id": "store",
    "service_id": "service",
    "shift_id": "shift",
}


def _request(
    spec: dict[str, Any], path: str, operation: dict[str, Any], world: dict[str, Any], bad: str
) -> tuple[str, dict[str, Any]]:
    """The URL and httpx arguments of one operation with ``bad`` in every free-text place."""
    url = path
    for name, key in PATH_IDS.items():
        url = url.replace("{" + name + "}", str(world[key].id))
    while "{" in url:  # tokens, file names: free text in the path
        start, end = url.index("{"), url.index("}")
        url = url[:start] + "x%00y" + url[end + 1 :]
    ids = world["store"].id
    # In a URL the surrogate arrives as its (invalid) UTF-8 bytes, escaped.
    query_bad = NUL if bad == NUL else "beforeafter"
    params = {
        p["name"]: _sample(spec, p.get("schema", {}), query_bad, ids)
        for p in operation.get("parameters", [])
        if p["in"] == "query"
    }
    query = urlencode(params).replace(quote("beforeafter"), "before%ED%A0%80after")
    if query:
        url = f"{url}?{query}"
    content = operation.get("requestBody", {}).get("content", {})
    kwargs: dict[str, Any] = {}
    if "application/json" in content:
        body = _sample(spec, content["application/json"]["schema"], bad, ids)
        # ensure_ascii: a lone surrogate travels as its \\u escape, as other clients send it.
        kwargs["content"] = json.dumps(body)
        kwargs["headers"] = {"Content-Type": "application/json"}
    elif "multipart/form-data" in content:
        fields = _sample(spec, content["multipart/form-data"]["schema"], bad, ids)
        raw = bad.encode("utf-8", "surrogatepass")  # the bytes on the wire
        files: dict[str, Any] = {
            name: (None, raw if value == bad or isinstance(value, list) else str(value).encode())
            for name, value in fields.items()
        }
        for name in ("file", "photo", "image"):
            if name in files:
                files[name] = ("a\x00.jpg", b"not an image", "image/jpeg")
        kwargs["files"] = files
    return url, kwargs


async def test_every_operation_answers_4xx_to_text_the_database_cannot_store(
    app: Any, session: AsyncSession
) -> None:
    world = await _world(session)
    spec = app.openapi()
    transport = httpx.ASGITransport(app=app)
    failures: list[str] = []
    tried = 0
    for actor in (None, "customer", "stylist", "manager"):
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            if actor:
                await login(client, world[actor].email)
            csrf = await api_headers(client)
            for path, operations in spec["paths"].items():
                for method, operation in operations.items():
                    if path == "/api/v1/auth/logout":
                        continue  # would end this actor's session for the rest of the loop
                    for bad in (NUL, SURROGATE):
                        url, kwargs = _request(spec, path, operation, world, bad)
                        kwargs["headers"] = {**csrf, **kwargs.get("headers", {})}
                        answer = await client.request(method.upper(), url, **kwargs)
                        tried += 1
                        if answer.status_code >= 500:
                            kind = "NUL" if bad == NUL else "surrogate"
                            failures.append(
                                f"{actor or 'anonymous'} {method.upper()} {path} {kind}: "
                                f"{answer.status_code} {answer.text[:120]}"
                            )
    assert tried > 200
    assert failures == []
