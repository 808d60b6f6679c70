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
