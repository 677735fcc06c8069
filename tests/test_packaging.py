"""The distribution installs exactly one import root with every sub-package, and imports light."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapping = {"nano_gym": ROOT / "nano_gym", **{k: ROOT / v for k, v in config["package-dir"].items()}}
    found = set()
    for name, directory in mapping.items():
        for init in directory.rglob("__init__.py"):
            rel = init.parent.relative_to(directory)
            if "suites" in rel.parts[:1] and len(rel.parts) > 1:
                continue  # the suite's project trees are package data, not sub-packages
            found.add(".".join([name, *rel.parts]))
    assert found - listed == set(), f"sub-packages missing from [tool.setuptools] packages: {found - listed}"
    assert listed - found == set(), f"listed packages that do not exist: {listed - found}"


def test_import_is_light_and_registers_the_env():
    code = ("import sys, nano_gym, gymnasium; "
            "heavy = [m for m in ('litellm', 'datasets', 'docker', 'torch', 'transformers', 'pyarrow') if m in sys.modules]; "
            "print(heavy, 'NanoSWE-v0' in gymnasium.registry)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] True"


def test_suite_data_ships_with_the_package():
    from importlib import resources

    suites = resources.files("nano_gym.suites")
    assert (suites / "nano-v0.jsonl").is_file()
    assert (suites / "nano_v0" / "tempora" / "reference").is_dir()
