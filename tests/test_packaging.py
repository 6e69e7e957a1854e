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
