import pytest

from cfgloader import ConfigError, ParseError, apply_env, load, load_files, loads


def test_load_single_file(write_config):
    path = write_config(
        "app.ini",
        """
        [server]
        port = 8080
        """,
    )
    cfg = load(path)
    assert cfg.get_int("server", "port") == 8080


def test_later_files_take_precedence(write_config):
    defaults = write_config(
        "defaults.ini",
        """
        [server]
        host = localhost
        port = 8080
        [logging]
        level = info
        """,
    )
    local = write_config(
        "local.ini",
        """
        [server]
        port = 9090
        [cache]
        size = 10
        """,
    )
    cfg = load_files([defaults, local])
    assert cfg.as_dict() == {
        "server": {"host": "localhost", "port": "9090"},
        "logging": {"level": "info"},
        "cache": {"size": "10"},
    }


def test_interpolation_sees_winning_value(write_config):
    defaults = write_config(
        "defaults.ini",
        """
        [paths]
        root = /usr/share/app
        data = ${root}/data
        """,
    )
    local = write_config("local.ini", "[paths]\nroot = /home/me/app\n")
    cfg = load_files([defaults, local])
    assert cfg.get("paths", "data") == "/home/me/app/data"


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found: .*nope.ini"):
        load_files([tmp_path / "nope.ini"])


def test_missing_file_skipped_with_missing_ok(write_config, tmp_path):
    path = write_config("a.ini", "[a]\nx = 1\n")
    cfg = load_files([tmp_path / "nope.ini", path], missing_ok=True)
    assert cfg.get("a", "x") == "1"


def test_undecodable_file(tmp_path):
    path = tmp_path / "latin1.ini"
    path.write_bytes("[a]\nx = caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="cannot decode"):
        load(path)
    assert load(path, encoding="latin-1").get("a", "x") == "caf\xe9"


def test_parse_error_from_file_has_line_number(write_config):
    path = write_config("bad.ini", "[a]\nx = 1\nbroken line\n")
    with pytest.raises(ParseError) as info:
        load(path)
    assert info.value.lineno == 3


def test_parse_error_names_the_file(write_config):
    path = write_config("settings.ini", "[a]\nx = 1\nbroken line\n")
    with pytest.raises(ParseError) as info:
        load(path)
    message = str(info.value)
    assert "settings.ini" in message
    assert "line 3" in message


def test_parse_error_in_later_file_names_that_file(write_config):
    good = write_config("defaults.ini", "[a]\nx = 1\n")
    bad = write_config("local.ini", '[a]\ny = "unterminated\n')
    with pytest.raises(ParseError) as info:
        load_files([good, bad])
    message = str(info.value)
    assert "local.ini" in message
    assert "defaults.ini" not in message
    assert "line 2" in message


def test_location_and_interpolation_errors_name_the_file(write_config):
    path = write_config("app.ini", "[server]\nport = 8080\nurl = http://${host}/\n")
    cfg = load(path)
    source, lineno = cfg.location("server", "port")
    assert lineno == 2
    assert source is not None and source.endswith("app.ini")
    with pytest.raises(ConfigError) as info:
        cfg.get("server", "url")
    assert "app.ini" in str(info.value)


def test_env_overrides_existing_key():
    cfg = loads("[server]\nport = 8080\n", env={"APP_SERVER__PORT": "9000"}, env_prefix="APP_")
    assert cfg.get_int("server", "port") == 9000


def test_env_can_add_keys_and_sections():
    cfg = loads("[server]\nport = 8080\n", env={"APP_CACHE__SIZE": "64"}, env_prefix="APP_")
    assert cfg.get_int("cache", "size") == 64
    assert cfg.get_int("server", "port") == 8080


def test_env_names_are_lowercased_and_keep_single_underscores():
    env = {"APP_DATABASE__MAX_CONNECTIONS": "20"}
    cfg = loads("[database]\nmax_connections = 5\n", env=env, env_prefix="APP_")
    assert cfg.get_int("database", "max_connections") == 20


def test_env_ignores_other_prefixes_and_names_without_separator():
    env = {"OTHER_SERVER__PORT": "1", "APP_DEBUG": "true", "APP___X": "1", "PATH": "/bin"}
    cfg = loads("[server]\nport = 8080\n", env=env, env_prefix="APP_")
    assert cfg.as_dict() == {"server": {"port": "8080"}}


def test_env_wins_over_all_files(write_config):
    a = write_config("a.ini", "[s]\nk = a\n")
    b = write_config("b.ini", "[s]\nk = b\n")
    cfg = load_files([a, b], env={"X_S__K": "env"}, env_prefix="X_")
    assert cfg.get("s", "k") == "env"


def test_env_values_are_interpolated():
    cfg = loads(
        "[db]\nhost = localhost\n",
        env={"APP_DB__URL": "postgres://${host}/app"},
        env_prefix="APP_",
    )
    assert cfg.get("db", "url") == "postgres://localhost/app"


def test_env_override_location_names_variable():
    cfg = loads("[s]\nk = 1\n", env={"APP_S__K": "2"}, env_prefix="APP_")
    assert cfg.location("s", "k") == ("$APP_S__K", None)


def test_apply_env_returns_new_config():
    cfg = loads("[s]\nk = 1\n")
    overridden = apply_env(cfg, {"S__K": "2"})
    assert overridden.get("s", "k") == "2"
    assert cfg.get("s", "k") == "1"
