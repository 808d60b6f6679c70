"""The closetcall command, run as a real process against a fresh SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(
    args: list[str], var_dir: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLOSETCALL_VAR_DIR": str(var_dir), "CLOSETCALL_ENV": "development"}
    env.pop("CLOSETCALL_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


class TestCli:
    def test_migrate_creates_the_database(self, var_dir: Path) -> None:
        result = _run(["migrate"], var_dir)
        assert result.returncode == 0, result.stderr
        assert (var_dir / "closetcall.db").exists()
        assert "latest migration" in result.stdout

    def test_demo_loads_once_and_prints_logins(self, var_dir: Path) -> None:
        first = _run(["demo"], var_dir)
        assert first.returncode == 0, first.stderr
        assert "540 catalog items" in first.stdout and "30 customers" in first.stdout
        assert "yuki.sato@example.jp" in first.stdout and "closetcall-demo" in first.stdout
        second = _run(["demo"], var_dir)
        assert second.returncode == 0
        assert "already present" in second.stdout

    def test_create_admin_reads_the_password_from_stdin(self, var_dir: Path) -> None:
        result = _run(
            ["create-admin", "boss@kinari.example"], var_dir, stdin="a-long-admin-password\n"
        )
        assert result.returncode == 0, result.stderr
        assert "a-long-admin-password" not in result.stdout + result.stderr
        too_short = _run(["create-admin", "boss2@kinari.example"], var_dir, stdin="short\n")
        assert too_short.returncode != 0
        assert "password" in too_short.stderr

    def test_import_catalog_reports_bad_rows_and_reruns_as_updates(
        self, var_dir: Path, tmp_path: Path
    ) -> None:
        header = "sku,name_ja,name_en,category,slot,colour_name,colour_rgb,pattern,material,formality,seasons,sizes,price_yen,stock"
        good = "CLI-{n},グレー ニット,Grey knit,knit,top,grey,#8a8d91,solid,wool,{f},autumn;winter,S;M,9900,online:S=2;tokyo-shibuya:M=1"
        assert _run(["demo"], var_dir).returncode == 0  # the brand and stores (idempotent)
        catalog = tmp_path / "catalog.csv"
        rows = [good.format(n=1, f=2), good.format(n=2, f=9), good.format(n=3, f=3)]
        catalog.write_text("\ufeff" + "\n".join([header, *rows]) + "\n", encoding="utf-8")
        first = _run(["import-catalog", str(catalog), "--brand", "kinari", "--lang", "en"], var_dir)
        assert first.returncode == 1, first.stderr
        assert "line 3: formality must be 1–5, got 9" in first.stderr
        assert "catalog.csv: created 2, updated 0, unchanged 0, invalid 1" in first.stdout

        rows[1] = good.format(n=2, f=4)
        catalog.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        second = _run(["import-catalog", str(catalog), "--lang", "en"], var_dir)
        assert second.returncode == 0, second.stderr
        assert "created 1, updated 0, unchanged 2, invalid 0" in second.stdout

    def test_import_catalog_exits_2_when_the_file_cannot_be_read(
        self, var_dir: Path, tmp_path: Path
    ) -> None:
        missing = _run(["import-catalog", str(tmp_path / "nope.csv"), "--lang", "en"], var_dir)
        assert missing.returncode == 2
        assert "Cannot read" in missing.stderr and "nope.csv" in missing.stderr
        latin = tmp_path / "latin.csv"
        latin.write_bytes("sku,name_ja\nKN-1,caf\xe9\n".encode("latin-1"))
        unreadable = _run(["import-catalog", str(latin), "--lang", "en"], var_dir)
        assert unreadable.returncode == 2 and "not UTF-8" in unreadable.stderr

    def test_audit_verify_passes_a_clean_log_and_fails_a_forged_row(self, tmp_path: Path) -> None:
        import sqlite3

        assert _run(["migrate"], tmp_path).returncode == 0
        clean = _run(["audit", "verify"], tmp_path)
        assert clean.returncode == 0, clean.stderr
        assert "every hash and link checks out" in clean.stdout
        with sqlite3.connect(tmp_path / "closetcall.db") as db:  # behind the app's back
            db.execute(
                "INSERT INTO audit_event (id, at, action, fields, prev_hash, hash) "
                "VALUES (1, '2026-12-04 10:00:00.000000', 'customer.page.read', '[]', ?, ?)",
                ("0" * 64, "f" * 64),
            )
        forged = _run(["audit", "verify"], tmp_path)
        assert forged.returncode == 1
        assert "row 1: altered" in forged.stdout and "1 problems" in forged.stdout
