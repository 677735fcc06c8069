"""Loading configuration from strings, files, layered files and the environment."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from .config import Config
from .errors import ConfigError
from .parser import parse

PathLike = str | os.PathLike[str]

ENV_SEPARATOR = "__"
"""Separates section and key (and dotted subsection parts) in environment names."""


def loads(
    text: str,
    *,
    source: str | None = None,
    env: Mapping[str, str] | None = None,
    env_prefix: str = "",
) -> Config:
    """Parse configuration ``text`` and return a :class:`Config`.

    ``source`` is used in error messages.  If ``env`` is given, overrides are
    applied from it as described in :func:`apply_env`.
    """
    config = Config(parse(text, source=source))
    if env is not None:
        config = apply_env(config, env, env_prefix)
    return config


def load(
    path: PathLike,
    *,
    env: Mapping[str, str] | None = None,
    env_prefix: str = "",
    encoding: str = "utf-8",
) -> Config:
    """Load a single configuration file."""
    return load_files([path], env=env, env_prefix=env_prefix, encoding=encoding)


def load_files(
    paths: Iterable[PathLike],
    *,
    env: Mapping[str, str] | None = None,
    env_prefix: str = "",
    missing_ok: bool = False,
    encoding: str = "utf-8",
) -> Config:
    """Load several files and merge them; later files take precedence.

    A typical call layers a site-wide file, a user file and a local override::

        config = load_files(["defaults.ini", "~/.app.ini", "app.local.ini"], missing_ok=True)

    Because interpolation happens when values are read, a reference in an
    earlier file sees the value from the file that wins.  With
    ``missing_ok=True`` files that do not exist are skipped.  Environment
    overrides (see :func:`apply_env`) are applied last and win over every file.
    """
    config = Config()
    for path in paths:
        layer = _read_file(os.fspath(path), encoding=encoding, missing_ok=missing_ok)
        if layer is not None:
            config = config.merge(layer)
    if env is not None:
        config = apply_env(config, env, env_prefix)
    return config


def _read_file(path: str, *, encoding: str, missing_ok: bool) -> Config | None:
    expanded = os.path.expanduser(path)
    try:
        with open(expanded, encoding=encoding) as handle:
            text = handle.read()
    except FileNotFoundError:
        if missing_ok:
            return None
        raise ConfigError(f"config file not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot decode file as {encoding}: {exc.reason}") from None
    return Config(parse(text, source=path))


def env_name_to_key(name: str, prefix: str = "") -> tuple[str, str] | None:
    """Map an environment variable name to ``(section, key)``.

    ``APP_SERVER__PORT`` with prefix ``APP_`` maps to ``("server", "port")``;
    extra ``__`` separators address dotted subsections, so
    ``APP_SERVER__TLS__CERT`` maps to ``("server.tls", "cert")``.  Names are
    lower-cased.  Returns ``None`` for names that do not match.
    """
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix) :]
    section, sep, key = rest.partition(ENV_SEPARATOR)
    if not sep or not section or not key:
        return None
    section = section.replace(ENV_SEPARATOR, ".").lower()
    return section, key.lower()


def apply_env(config: Config, env: Mapping[str, str], prefix: str = "") -> Config:
    """Return a copy of ``config`` with overrides taken from ``env``.

    ``env`` is any mapping of names to strings -- pass ``os.environ`` in an
    application and a plain dict in tests.  Only names starting with
    ``prefix`` and containing the ``__`` separator are used (see
    :func:`env_name_to_key`).  Overrides may add keys and sections that no file
    defines.  Their values are plain strings; ``${...}`` references in them are
    interpolated like any other value.
    """
    result = config.copy()
    for name in sorted(env):
        target = env_name_to_key(name, prefix)
        if target is None:
            continue
        section, key = target
        result.set(section, key, env[name], source=f"${name}")
    return result
