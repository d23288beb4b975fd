"""The lock file holds what pyproject.toml asks for (so `make` installs it), and torch stays out of it, pinned by
constraints.txt alone. Fails after a merge that adds a dependency without `make lock`, with what to run."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)", re.MULTILINE)


def locked_extras() -> list[str]:
    """The Makefile's ``LOCK_EXTRAS ?= …``: the extras locked and installed besides the dependencies."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^LOCK_EXTRAS \?= (.*)$", makefile, re.MULTILINE)
    assert match, "the Makefile sets LOCK_EXTRAS"
    return match[1].split()


def locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {canonicalize_name(m["name"]): m["version"] for m in PIN.finditer(text)}


def test_the_lock_satisfies_every_dependency_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"]]
    for extra in locked_extras():
        wanted += project["optional-dependencies"][extra]
    pins = locked()
    missing = []
    for line in wanted:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        if name == "torch":
            continue  # constraints.txt
        version = pins.get(name)
        if version is None or not req.specifier.contains(version, prereleases=True):
            missing.append(f"{line} (locked: {version})")
    assert not missing, f"requirements.lock does not satisfy {missing}: run `make lock` and commit it"


def test_torch_is_pinned_by_the_constraints_and_not_locked():
    assert "torch" not in locked()
    constraints = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    assert re.search(r"^torch==2\.13\.0$", constraints, re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-c $(CONSTRAINTS)" in makefile and "--unsafe-package torch" in makefile
