"""docker-compose.yml is validated offline with the real Compose binary (no Docker engine here)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import compose
import pytest
import yaml

from app.core.config import PROJECT_ROOT

COMPOSE = Path(compose.__file__).parent / "docker-compose"
ENV = {**os.environ, "CLOSETCALL_SECRET_KEY": "s" * 48, "CLOSETCALL_SMTP_HOST": "smtp.example.jp"}


def _config(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMPOSE), "-f", str(path), "config", "--format", "yaml"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


class TestCompose:
    def test_the_file_is_valid_and_wires_app_db_redis_and_migrations(self) -> None:
        result = _config(PROJECT_ROOT / "docker-compose.yml", ENV)
        assert result.returncode == 0, result.stderr
        config = yaml.safe_load(result.stdout)
        services = config["services"]
        assert set(services) == {"app", "db", "redis", "migrate"}
        assert services["migrate"]["command"] == ["closetcall", "migrate"]
        assert (
            services["app"]["depends_on"]["migrate"]["condition"]
            == "service_completed_successfully"
        )
        assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
        for name in ("app", "db", "redis"):
            assert services[name]["healthcheck"]["test"], name
        env = services["app"]["environment"]
        assert env["CLOSETCALL_ENV"] == "production"
        assert env["CLOSETCALL_DATABASE_URL"].startswith("postgresql://")
        assert env["CLOSETCALL_REDIS_URL"] == "redis://redis:6379/0"

    def test_a_missing_secret_is_refused_with_a_message(self) -> None:
        env = {k: v for k, v in ENV.items() if k != "CLOSETCALL_SECRET_KEY"}
        result = _config(PROJECT_ROOT / "docker-compose.yml", env)
        assert result.returncode != 0
        assert "CLOSETCALL_SECRET_KEY" in result.stderr

    def test_the_validator_really_rejects_a_broken_file(self, tmp_path: Path) -> None:
        broken = tmp_path / "compose.yml"
        broken.write_text(
            "services:\n  app:\n    image: x\n    depends_on:\n      nowhere:\n        condition: service_healthy\n"
        )
        assert _config(broken, ENV).returncode != 0


def test_dockerfile_serves_the_app_and_ships_templates() -> None:
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    assert 'CMD ["closetcall", "serve", "--host", "0.0.0.0"' in text
    for folder in ("app", "web", "signaling"):
        assert f"COPY {folder} ./{folder}" in text


@pytest.mark.parametrize("name", ["README.md", "Makefile", ".ci/run"])
def test_the_two_commands_are_documented_and_wired(name: str) -> None:
    text = (PROJECT_ROOT / name).read_text()
    assert "make test" in text or (name == "Makefile" and "\ntest:" in text)
