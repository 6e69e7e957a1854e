"""docker-compose.yml as Docker Compose reads it (no Docker engine here): every setting it
passes is one of ours, every command parses with our CLI, and the services start in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.cli import _parser
from bot.config import Settings

REPO = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def _newsbot_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: service for name, service in compose["services"].items() if service.get("build") == "."}


def test_every_setting_the_compose_file_passes_is_one_of_ours() -> None:
    ours = {name.upper() for name in Settings.model_fields}
    services = _newsbot_services(_compose())
    assert set(services) == {"migrate", "bot", "worker"}
    for name, service in services.items():
        assert service["env_file"] == ".env", name
        unknown = set(service["environment"]) - ours
        assert not unknown, f"{name} passes settings newsbot does not read: {unknown}"


def test_every_command_parses_and_the_roles_split_the_work() -> None:
    services = _newsbot_services(_compose())
    dockerfile = (REPO / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["newsbot"]' in dockerfile  # compose commands are newsbot's arguments
    assert "pip install '.[postgres]'" in dockerfile  # DATABASE_URL=postgresql://... needs asyncpg
    parsed = {name: _parser().parse_args(service["command"]) for name, service in services.items()}
    assert parsed["migrate"].handler.__name__ == "_cmd_migrate"
    assert (parsed["bot"].role, parsed["bot"].webhook) == ("web", False)  # the one taking updates
    assert parsed["worker"].role == "worker" and services["worker"]["deploy"]["replicas"] >= 2
    assert services["bot"].get("deploy", {}).get("replicas", 1) == 1  # one long poll per token


def test_replicas_start_after_the_schema_and_the_database_url_matches_postgres() -> None:
    compose = _compose()
    services = compose["services"]
    postgres = services["postgres"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("bot", "worker"):
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    url = urlsplit(services["worker"]["environment"]["DATABASE_URL"])
    env = postgres["environment"]
    assert (url.scheme, url.hostname, url.port) == ("postgresql", "postgres", 5432)
    assert (url.username, url.password, url.path.lstrip("/")) == (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"],
                                                                   env["POSTGRES_DB"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert set(compose["volumes"]) == {"pgdata"}
