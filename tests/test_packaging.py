"""What a fresh install reads besides the code: pyproject.toml and the Dockerfile."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_license_is_an_spdx_string_that_setuptools_keeps_building() -> None:
    """setuptools deprecated ``license = { text = ... }``: builds with it stop working after
    2027-02-18 (its BuildBackendWarning), and the build requirement is unpinned from above,
    so every fresh `pip install .` would then fail. The string form needs setuptools >= 77."""
    assert isinstance(PYPROJECT["project"]["license"], str)
    [setuptools] = [r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    match = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", setuptools.replace(" ", ""))
    assert match is not None and int(match.group(1)) >= 77, setuptools


def test_the_docker_image_copies_every_package_the_project_installs() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY\s+(\S+)\s", dockerfile, re.M))
    packages = {p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= copied, f"the Dockerfile does not copy {sorted(packages - copied)}"
    assert {"pyproject.toml"} <= copied and re.search(r"pip install [\"']?\.(\[[\w,]+\])?[\"']?(\s|$)", dockerfile)


def _dockerfile() -> str:
    return (REPO / "Dockerfile").read_text(encoding="utf-8")


def _instruction(name: str) -> list[str]:
    """The arguments of every ``name`` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", _dockerfile())
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.+)$", joined, re.M)]


def test_the_image_installs_extras_the_project_has_and_runs_its_script_as_a_user() -> None:
    dockerfile = _dockerfile()
    extras = set().union(*(m.split(",") for m in re.findall(r"pip install [\"']?\.\[([\w,]+)\]", dockerfile)))
    assert extras <= set(PYPROJECT["project"]["optional-dependencies"]), extras
    entrypoint = _instruction("ENTRYPOINT")[-1]
    assert entrypoint.startswith('["') and entrypoint.strip('[]"').split('", "')[0] in PYPROJECT["project"]["scripts"]
    [user] = _instruction("USER")
    assert user not in ("root", "0") and f"useradd --system --uid 10001 --home-dir /data {user}" in dockerfile
    assert re.search(rf"chown {user} /data", dockerfile) and _instruction("VOLUME") == ['["/data"]']


def test_the_images_settings_are_ours_and_its_webhook_is_reachable() -> None:
    from bot.config import Settings

    [env] = _instruction("ENV")
    values = dict(pair.split("=", 1) for pair in env.split())
    ours = {name.upper() for name in Settings.model_fields}
    assert {k for k in values if not k.startswith(("PYTHON", "PIP_"))} <= ours
    assert values["DATABASE_PATH"].startswith("/data/")  # on the volume
    assert values["WEBHOOK_LISTEN"] == "0.0.0.0"  # 127.0.0.1 in a container is unreachable from outside it
    assert _instruction("EXPOSE") == [str(Settings.model_fields["webhook_port"].default)]


def test_the_build_context_leaves_secrets_and_local_state_out() -> None:
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".env", ".git", ".venv", "bench/out", "*.db"} <= ignored
