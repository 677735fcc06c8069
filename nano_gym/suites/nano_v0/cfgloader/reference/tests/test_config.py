import textwrap

import pytest

from cfgloader import Config, ConfigError, ConversionError, MissingKeyError, loads

SAMPLE = textwrap.dedent(
    """
    [server]
    host = example.org
    port = 8080
    mask = 0o755
    ratio = 0.75
    debug = true
    verbose = Off
    hosts = [a, b, c]
    tags = web, api ,  internal
    empty =
    name = "srv-${port}"

    [server.tls]
    enabled = yes

    [server.tls.ciphers]
    list = [x]

    [client]
    retries = three
    """
)


@pytest.fixture
def cfg():
    return loads(SAMPLE, source="sample.ini")


def test_get_missing_key_raises(cfg):
    with pytest.raises(MissingKeyError) as info:
        cfg.get("server", "nope")
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, ConfigError)
    assert str(info.value) == "no such key: server.nope"


def test_get_missing_key_returns_default(cfg):
    assert cfg.get("server", "nope", "fallback") == "fallback"
    assert cfg.get("nosection", "nope", default=None) is None


def test_get_int(cfg):
    assert cfg.get_int("server", "port") == 8080
    assert cfg.get_int("server", "mask") == 0o755


def test_get_int_default_only_used_when_missing(cfg):
    assert cfg.get_int("server", "workers", default=4) == 4
    assert cfg.get_int("server", "port", default=4) == 8080


def test_get_int_invalid_value_reports_location(cfg):
    with pytest.raises(ConversionError) as info:
        cfg.get_int("client", "retries", default=3)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.section, err.key, err.value) == ("client", "retries", "three")
    assert str(err) == "client.retries: expected an integer, got 'three' (sample.ini, line 21)"


def test_get_float(cfg):
    assert cfg.get_float("server", "ratio") == 0.75
    assert cfg.get_float("server", "port") == 8080.0


def test_get_bool(cfg):
    assert cfg.get_bool("server", "debug") is True
    assert cfg.get_bool("server.tls", "enabled") is True
    assert cfg.get_bool("server", "missing", default=False) is False


def test_get_bool_is_case_insensitive(cfg):
    assert cfg.get_bool("server", "verbose") is False
    cfg.set("server", "debug", "TRUE")
    assert cfg.get_bool("server", "debug") is True


def test_get_bool_invalid(cfg):
    with pytest.raises(ConversionError, match="expected a boolean"):
        cfg.get_bool("server", "host")


def test_get_list_from_list_value(cfg):
    assert cfg.get_list("server", "hosts") == ["a", "b", "c"]


def test_get_list_splits_plain_strings(cfg):
    assert cfg.get_list("server", "tags") == ["web", "api", "internal"]
    assert cfg.get_list("server", "empty") == []


def test_get_list_default(cfg):
    assert cfg.get_list("server", "nothing", default=["x"]) == ["x"]


def test_get_list_returns_a_copy(cfg):
    cfg.get_list("server", "hosts").append("d")
    assert cfg.get_list("server", "hosts") == ["a", "b", "c"]


def test_scalar_getters_refuse_lists(cfg):
    with pytest.raises(ConversionError, match="expected an integer"):
        cfg.get_int("server", "hosts")
    with pytest.raises(ConversionError, match="expected a string"):
        cfg.get_str("server", "hosts")


def test_getters_interpolate(cfg):
    assert cfg.get_str("server", "name") == "srv-8080"


def test_introspection(cfg):
    assert cfg.sections() == ["server", "server.tls", "server.tls.ciphers", "client"]
    assert cfg.has_section("server.tls")
    assert cfg.has_key("server", "port")
    assert not cfg.has_key("nosection", "port")
    assert "server" in cfg
    assert "server.tls.enabled" in cfg
    assert "server.tls.nope" not in cfg
    assert cfg.subsections("server") == ["server.tls"]
    assert cfg.subsections("server.tls") == ["server.tls.ciphers"]
    assert len(cfg) == 4


def test_keys_of_missing_section_raises(cfg):
    with pytest.raises(MissingKeyError, match=r"no such section: \[nope\]"):
        cfg.keys("nope")


def test_location(cfg):
    assert cfg.location("server", "port") == ("sample.ini", 4)


def test_from_dict_coerces_values():
    cfg = Config.from_dict({"a": {"n": 3, "flag": True, "items": (1, "two")}})
    assert cfg.get_raw("a", "n") == "3"
    assert cfg.get_bool("a", "flag") is True
    assert cfg.get("a", "items") == ["1", "two"]


def test_set_creates_section():
    cfg = Config()
    cfg.set("new.section", "key", "v")
    assert cfg.sections() == ["new.section"]
    assert cfg.get("new.section", "key") == "v"


def test_merge_later_config_wins_without_mutating_inputs():
    base = Config.from_dict({"a": {"x": "1", "y": "2"}, "b": {"z": "3"}})
    override = Config.from_dict({"a": {"y": "20"}, "c": {"w": "4"}})
    merged = base.merge(override)
    assert merged.as_dict() == {"a": {"x": "1", "y": "20"}, "b": {"z": "3"}, "c": {"w": "4"}}
    assert base.get("a", "y") == "2"
    assert override.sections() == ["a", "c"]


def test_copy_is_independent():
    cfg = Config.from_dict({"a": {"x": "1"}})
    clone = cfg.copy()
    clone.set("a", "x", "2")
    assert cfg.get("a", "x") == "1"


def test_as_dict_unresolved():
    cfg = loads("[a]\nx = 1\ny = ${x}\nl = [${x}]\n")
    assert cfg.as_dict(resolve=False) == {"a": {"x": "1", "y": "${x}", "l": ["${x}"]}}
