"""Loading the local backend's test modules (and the image builder) by path, so the docker
tests run the same test cases instead of copies: a test function or fixture assigned to a name
in a module here is collected here, with this directory's fixtures (the docker backend's)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load(relative: str) -> ModuleType:
    """The module at `relative` (from the repository root), loaded once under a private name."""
    name = "nano_docker_reuse_" + relative.replace("/", "_").removesuffix(".py")
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / relative)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
