"""The Containerfile cannot be built offline (see docs/discord.md, "In a container"): what can be checked
without a registry is that it installs what the package is made of, as the Makefile does."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO

RECIPE = (REPO / "Containerfile").read_text(encoding="utf-8")


def _instructions() -> list[tuple[str, str]]:
    lines = [line for line in RECIPE.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split()[0], line.split(None, 1)[1] if " " in line else "") for line in lines]


def test_it_copies_every_package_the_wheel_is_made_of():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = set(project["tool"]["setuptools"]["package-dir"].values())  # the folders the wheel is made of
    copied = {args.split()[0] for op, args in _instructions() if op == "COPY"}
    assert packages <= copied
    assert {"pyproject.toml", "README.md"} <= set(" ".join(a for op, a in _instructions() if op == "COPY").split())


def test_torch_is_the_cpu_build_of_the_makefile_s_version():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    torch = re.search(r"^TORCH_SPEC \?= (\S+)", makefile, flags=re.M).group(1)
    index = re.search(r"^TORCH_INDEX \?= (\S+)", makefile, flags=re.M).group(1)
    assert f'ARG TORCH_SPEC="{torch}"' in RECIPE and f'ARG TORCH_INDEX="{index}"' in RECIPE


def test_the_bot_runs_as_a_user_of_its_own_with_its_data_in_a_volume():
    ops = dict(_instructions())
    assert ops["USER"] == "newsbot" and ops["VOLUME"] == "/data" and ops["WORKDIR"] == "/data"
    assert ops["ENTRYPOINT"] == '["newsbot"]' and ops["CMD"] == '["discord"]'
