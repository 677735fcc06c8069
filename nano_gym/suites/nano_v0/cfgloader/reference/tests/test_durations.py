import pytest

import cfgloader
from cfgloader import ConversionError, loads


def test_parse_duration_values():
    parse = cfgloader.parse_duration
    assert parse("30") == 30.0
    assert parse(" 1.5 ") == 1.5
    assert parse("250ms") == 0.25
    assert parse("45s") == 45.0
    assert parse("2m") == 120.0
    assert parse("1.5h") == 5400.0
    assert parse("1d") == 86400.0
    assert parse("2w") == 1209600.0
    assert parse("1h30m") == 5400.0
    assert parse("1m 30s") == 90.0
    assert parse("2d 12h") == 216000.0


def test_parse_duration_rejects_invalid_text():
    for text in ["", "abc", "10 parsecs", "h"]:
        with pytest.raises(ValueError):
            cfgloader.parse_duration(text)


def test_get_duration():
    cfg = loads("[http]\ntimeout = 1m30s\nkeepalive = 5\nretry = ${timeout}\n")
    assert cfg.get_duration("http", "timeout") == 90.0
    assert cfg.get_duration("http", "keepalive") == 5.0
    assert cfg.get_duration("http", "retry") == 90.0
    assert cfg.get_duration("http", "missing", default=10) == 10


def test_get_duration_invalid_value():
    cfg = loads("[http]\ntimeout = soon\n")
    with pytest.raises(ConversionError) as info:
        cfg.get_duration("http", "timeout")
    assert "http.timeout" in str(info.value)
    assert "soon" in str(info.value)
