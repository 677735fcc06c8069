import textwrap

import pytest


@pytest.fixture
def write_config(tmp_path):
    """Write a dedented config file into tmp_path and return its path."""

    def write(name, text):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
