"""cfgloader -- a small INI/TOML-ish configuration loader.

Quick start::

    import os
    import cfgloader

    config = cfgloader.load_files(
        ["defaults.ini", "local.ini"], missing_ok=True, env=os.environ, env_prefix="MYAPP_"
    )
    port = config.get_int("server", "port", default=8080)
    hosts = config.get_list("server", "hosts")
"""

from .config import MISSING, Config
from .durations import parse_duration
from .errors import (
    ConfigError,
    ConversionError,
    InterpolationError,
    MissingKeyError,
    ParseError,
)
from .loader import apply_env, env_name_to_key, load, load_files, loads
from .parser import Entry, parse

__version__ = "0.6.0"

__all__ = [
    "MISSING",
    "Config",
    "ConfigError",
    "ConversionError",
    "Entry",
    "InterpolationError",
    "MissingKeyError",
    "ParseError",
    "apply_env",
    "env_name_to_key",
    "load",
    "load_files",
    "loads",
    "parse",
    "parse_duration",
]
