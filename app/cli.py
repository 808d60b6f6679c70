"""The ``closetcall`` command: serve, migrate, demo, create-admin, import-catalog."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from pathlib import Path

from app.core.config import get_settings

# Chat frames are ~100 bytes: per-message deflate saves almost nothing on them but keeps ~40 KB of
# compressor state per idle socket (measured by bench/chat_fanout.py), so it is off.
# Per-message deflate kept ~40 KB of compressor state per idle socket for ~100-byte frames; the
# websocket protocol serves the chat socket without the ASGI layers (app/core/fastsocket.py) and
# hands every other websocket to uvicorn's own.
SERVER_OPTIONS: dict[str, object] = {
    "server_header": False,  # no "Server: uvicorn" banner telling a scanner what runs here
    "ws_per_message_deflate": False,
    "ws": "app.core.fastsocket:FastSocket",
}
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Set the collector up for a long-running server, once the application is imported.

    Everything alive now (modules, the ORM's mappers, templates) is moved out of the collector's
    sight for good (``gc.freeze``): a full collection otherwise walks it again every time, and with
    a thousand chat sockets open one full pass took ~360 ms, stalling every socket that long.
    """
    import gc

    import app.main  # noqa: F401 - what gets frozen is what the server imports

    gc.collect()
    gc.freeze()
    # Sockets opened later are not frozen: with a thousand of them a full pass is expensive, and
    # with the default thresholds (700, 10, 10) overload (messages queued, so surviving) set off
    # full passes again and again. Young passes every 50,000 allocations, full ones 100x rarer
    # than young-of-the-old ones: bench/chat_fanout.py kept up at 0.56x the relay with these and
    # 0.42x with the defaults (docs/benchmarks.md, runs 4 and 5).
    gc.set_threshold(*GC_THRESHOLDS)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.core.logging import log_config

    tune_gc()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        proxy_headers=True,
        log_level="info",
        log_config=log_config(),
        **SERVER_OPTIONS,
    )
    return 0


async def _with_database(action: str, **kwargs: object) -> int:
    from app.core.db import Database, create_engine
    from app.core.migrate import upgrade

    settings = get_settings()
    db = Database(create_engine(settings.database_url))
    try:
        await upgrade(db.engine)
        if action == "migrate":
            print("Database is at the latest migration.")
        elif action == "demo":
            from app.demo.loader import DEMO_PASSWORD, load_demo

            async with db.sessions() as session:
                report = await load_demo(session)
                await session.commit()
            print(report.summary())
            print()
            print(f"Demo logins (password for all: {DEMO_PASSWORD})")
            for role, email in report.logins:
                print(f"  {role:<9} {email}")
        elif action == "audit-verify":
            from app.access.audit import verify

            async with db.sessions() as session:
                verdict = await verify(session)
            for problem in verdict.problems[:50]:
                print(f"row {problem.id}: {problem.kind}: {problem.detail}")
            if len(verdict.problems) > 50:
                print(f"... and {len(verdict.problems) - 50} more")
            if not verdict.ok:
                print(f"audit log: {verdict.rows:,} rows, {len(verdict.problems)} problems")
                return 1
            print(f"audit log: {verdict.rows:,} rows, every hash and link checks out")
        elif action == "create-admin":
            from app.accounts.admin import create_admin

            async with db.sessions() as session:
                await create_admin(session, **kwargs)  # type: ignore[arg-type]
                await session.commit()
            print(f"Admin {kwargs['email']} is ready.")
    finally:
        await db.dispose()
    return 0


async def _import_catalog(data: bytes, filename: str, brand: str | None) -> int:
    """Exit 0 when every row imported, 1 when some were invalid, 2 when nothing could be read."""
    from app.core.db import Database, create_engine, write_transaction
    from app.core.migrate import upgrade
    from app.wardrobe import service
    from app.wardrobe.catalog_import import UnreadableCatalog

    db = Database(create_engine(get_settings().database_url))
    try:
        await upgrade(db.engine)
        async with write_transaction(db) as session:
            report = await service.import_catalog(
                session, data=data, filename=filename, brand=brand
            )
    except UnreadableCatalog as exc:
        print(f"{filename}: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    for problem in report.problems():
        print(problem, file=sys.stderr)
    print(f"{filename}: {report.summary()}")
    return 0 if report.invalid == 0 else 1


def _read_catalog_file(args: argparse.Namespace) -> int:
    from app.core.i18n import gettext as _
    from app.core.i18n import set_locale

    set_locale(args.lang)
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(_("Cannot read %(file)s: %(reason)s", file=str(path), reason=reason), file=sys.stderr)
        return 2
    return asyncio.run(_import_catalog(data, path.name, args.brand))


def main(argv: list[str] | None = None) -> int:
    # One BLAS thread per process: the recommender's small matrix products got slower, not faster,
    # with the default OpenBLAS thread pool on 2 cores (bench/recommend.py p95 82 vs 34 ms).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="closetcall", description="Closet Call server tools")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the app (applies migrations at start-up)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("demo", help="load the demo brand, stores, people and catalog (idempotent)")
    admin = sub.add_parser("create-admin", help="create an admin account, or reset its password")
    admin.add_argument("email")
    admin.add_argument("--family-name", default="管理")
    admin.add_argument("--given-name", default="者")
    audit = sub.add_parser("audit", help="the audit log")
    audit.add_argument("audit_command", choices=("verify",), help="verify: check the hash chain")
    catalog = sub.add_parser(
        "import-catalog",
        help="create or update catalog items and stock from a CSV or JSON file "
        "(docs/catalog-import.md)",
    )
    catalog.add_argument("file", type=Path, help="a .csv or .json file")
    catalog.add_argument("--brand", help="the brand's code (slug); needed with several brands")
    catalog.add_argument("--lang", choices=("ja", "en"), default="ja", help="message language")

    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "import-catalog":
        return _read_catalog_file(args)
    if args.command == "create-admin":
        password = (
            getpass.getpass("Password (10+ characters): ")
            if sys.stdin.isatty()
            else sys.stdin.readline().rstrip("\n")
        )
        return asyncio.run(
            _with_database(
                "create-admin",
                email=args.email,
                password=password,
                family_name=args.family_name,
                given_name=args.given_name,
            )
        )
    if args.command == "audit":
        return asyncio.run(_with_database(f"audit-{args.audit_command}"))
    return asyncio.run(_with_database(args.command))


if __name__ == "__main__":
    raise SystemExit(main())
