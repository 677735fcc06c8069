import textwrap

import pytest

from cfgloader import InterpolationError, loads


def load(text, **kwargs):
    return loads(textwrap.dedent(text), **kwargs)


def test_reference_in_same_section():
    cfg = load(
        """
        [server]
        host = example.org
        url = https://${host}/
        """
    )
    assert cfg.get("server", "url") == "https://example.org/"


def test_reference_to_other_section():
    cfg = load(
        """
        [paths]
        root = /srv/app
        [logging]
        file = ${paths.root}/log/app.log
        """
    )
    assert cfg.get("logging", "file") == "/srv/app/log/app.log"


def test_reference_to_dotted_subsection():
    cfg = load(
        """
        [server.tls]
        cert = /etc/cert.pem
        [proxy]
        cert = ${server.tls.cert}
        """
    )
    assert cfg.get("proxy", "cert") == "/etc/cert.pem"


def test_chained_references():
    cfg = load(
        """
        [a]
        x = ${y}/x
        y = ${b.z}/y
        [b]
        z = root
        """
    )
    assert cfg.get("a", "x") == "root/y/x"


def test_several_different_references_in_one_value():
    cfg = load(
        """
        [db]
        user = admin
        host = localhost
        port = 5432
        url = postgres://${user}@${host}:${port}/app
        """
    )
    assert cfg.get("db", "url") == "postgres://admin@localhost:5432/app"


def test_list_items_are_interpolated():
    cfg = load(
        """
        [a]
        prefix = /opt
        name = app
        dirs = [${prefix}/bin, "/var/lib/${name}"]
        """
    )
    assert cfg.get("a", "dirs") == ["/opt/bin", "/var/lib/app"]


def test_double_dollar_escapes_reference():
    cfg = load("[a]\nx = 1\ntemplate = $${x} is ${x}\n")
    assert cfg.get("a", "template") == "${x} is 1"


def test_lone_dollar_is_kept():
    cfg = load("[a]\nprice = $5 or $$6\n")
    assert cfg.get("a", "price") == "$5 or $$6"


def test_get_raw_does_not_interpolate():
    cfg = load("[a]\nx = 1\ny = ${x}\n")
    assert cfg.get_raw("a", "y") == "${x}"


def test_interpolation_is_late_bound():
    cfg = load("[a]\nx = 1\ny = <${x}>\n")
    cfg.set("a", "x", "2")
    assert cfg.get("a", "y") == "<2>"


def test_unknown_reference_reports_key_and_line():
    cfg = load("[a]\nok = 1\nbad = ${missing}\n")
    with pytest.raises(InterpolationError) as info:
        cfg.get("a", "bad")
    err = info.value
    assert (err.section, err.key, err.lineno) == ("a", "bad", 3)
    assert "${missing}" in str(err)
    assert "line 3" in str(err)


def test_cycle_is_detected_and_described():
    cfg = load(
        """
        [a]
        x = ${y}
        y = ${b.z}
        [b]
        z = ${a.x}
        """
    )
    with pytest.raises(InterpolationError) as info:
        cfg.get("a", "x")
    assert "circular reference: a.x -> a.y -> b.z -> a.x" in str(info.value)


def test_self_reference_is_a_cycle():
    cfg = load("[a]\nx = ${x}!\n")
    with pytest.raises(InterpolationError, match="circular reference"):
        cfg.get("a", "x")


def test_malformed_references():
    cfg = load("[a]\nx = ${oops\ny = ${}\n")
    with pytest.raises(InterpolationError, match="unterminated reference"):
        cfg.get("a", "x")
    with pytest.raises(InterpolationError, match="empty reference"):
        cfg.get("a", "y")


def test_list_cannot_be_interpolated_into_string():
    cfg = load("[a]\nl = [1, 2]\ns = ${l}\n")
    with pytest.raises(InterpolationError, match="cannot interpolate list"):
        cfg.get("a", "s")


def test_as_dict_resolves_every_value():
    cfg = load("[a]\nx = 1\ny = ${x}0\n[b]\nz = ${a.y}\n")
    assert cfg.as_dict() == {"a": {"x": "1", "y": "10"}, "b": {"z": "10"}}


def test_same_reference_used_twice_in_one_value():
    cfg = load("[a]\nhost = db1\nurls = ${host}:5432,${host}:5433\n")
    assert cfg.get("a", "urls") == "db1:5432,db1:5433"


def test_value_reached_through_two_paths_is_not_a_cycle():
    cfg = load(
        """
        [paths]
        root = /srv
        data = ${root}/data
        logs = ${root}/logs
        [app]
        summary = ${paths.data} and ${paths.logs}
        """
    )
    assert cfg.get("app", "summary") == "/srv/data and /srv/logs"


def test_list_items_sharing_a_reference():
    cfg = load("[a]\nbase = /opt\ndirs = [${base}/bin, ${base}/lib]\n")
    assert cfg.get_list("a", "dirs") == ["/opt/bin", "/opt/lib"]
