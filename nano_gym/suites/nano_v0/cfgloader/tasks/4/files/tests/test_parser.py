import textwrap

import pytest

from cfgloader import ParseError, loads, parse


def load(text, **kwargs):
    return loads(textwrap.dedent(text), **kwargs)


def test_sections_and_keys():
    cfg = load(
        """
        [server]
        host = example.org
        port = 8080

        [database]
        name = app
        """
    )
    assert cfg.sections() == ["server", "database"]
    assert cfg.keys("server") == ["host", "port"]
    assert cfg.get("server", "host") == "example.org"
    assert cfg.get("database", "name") == "app"


def test_colon_is_accepted_as_separator():
    cfg = load("[a]\nkey: value\n")
    assert cfg.get("a", "key") == "value"


def test_full_line_comments_are_ignored():
    cfg = load(
        """
        # hash comment
        ; semicolon comment
        [a]
          # indented comment
        x = 1
        """
    )
    assert cfg.as_dict() == {"a": {"x": "1"}}


def test_inline_comment_after_bare_value():
    cfg = load("[a]\nhost = example.org   # the host\n")
    assert cfg.get("a", "host") == "example.org"


def test_hash_without_preceding_space_is_part_of_bare_value():
    cfg = load("[a]\nurl = http://example.org/docs#install\n")
    assert cfg.get("a", "url") == "http://example.org/docs#install"


def test_section_header_with_inline_comment():
    cfg = load("[server]   # main server\nport = 1\n")
    assert cfg.sections() == ["server"]


def test_dotted_section_names():
    cfg = load(
        """
        [db]
        name = app
        [db.primary]
        host = 10.0.0.1
        [db.primary.pool]
        size = 5
        """
    )
    assert cfg.get("db.primary", "host") == "10.0.0.1"
    assert cfg.get("db.primary.pool", "size") == "5"
    assert cfg.subsections("db") == ["db.primary"]


def test_empty_value():
    cfg = load("[a]\nempty =\n")
    assert cfg.get("a", "empty") == ""


def test_basic_string_escapes():
    cfg = load(r'''
        [a]
        s = "tab\there\nnew \"quoted\" back\\slash caf\u00e9 \U0001F600"
        ''')
    assert cfg.get("a", "s") == 'tab\there\nnew "quoted" back\\slash caf\u00e9 \U0001F600'


def test_literal_string_keeps_backslashes():
    cfg = load(r"""
        [a]
        pattern = '\d+\.\d+'
        """)
    assert cfg.get("a", "pattern") == r"\d+\.\d+"


def test_quoted_string_preserves_surrounding_whitespace():
    cfg = load('[a]\ns = "  padded  "\n')
    assert cfg.get("a", "s") == "  padded  "


def test_quoted_value_followed_by_comment():
    cfg = load('[a]\ns = "value"   # explained\n')
    assert cfg.get("a", "s") == "value"


def test_hash_inside_quoted_string_is_not_a_comment():
    cfg = load(
        """
        [chat]
        greeting = "hello # world"   # a real comment
        channel = '#general # main'
        """
    )
    assert cfg.get("chat", "greeting") == "hello # world"
    assert cfg.get("chat", "channel") == "#general # main"


def test_string_ending_with_escaped_backslash():
    cfg = load(
        r"""
        [paths]
        windows = "C:\\Temp\\"
        separator = "\\"
        after = ok
        """
    )
    assert cfg.get("paths", "windows") == "C:\\Temp\\"
    assert cfg.get("paths", "separator") == "\\"
    assert cfg.get("paths", "after") == "ok"


def test_single_line_list():
    cfg = load("[a]\nhosts = [alpha, \"beta, gamma\", 'delta']\n")
    assert cfg.get("a", "hosts") == ["alpha", "beta, gamma", "delta"]


def test_multiline_list_with_comments_and_trailing_comma():
    cfg = load(
        """
        [a]
        hosts = [
            alpha,    # primary
            "beta",
            # gamma is retired
            delta,
        ]
        after = 1
        """
    )
    assert cfg.get("a", "hosts") == ["alpha", "beta", "delta"]
    assert cfg.get("a", "after") == "1"


def test_hash_inside_quoted_list_items_is_kept():
    cfg = load(
        """
        [a]
        tags = [
            "c # sharp",   # language
            'f # sharp',
        ]
        after = 1
        """
    )
    assert cfg.get("a", "tags") == ["c # sharp", "f # sharp"]
    assert cfg.get("a", "after") == "1"


def test_list_items_ending_with_escaped_backslash():
    cfg = load(r"""
        [a]
        drives = ["C:\\", "D:\\"]
        after = 1
        """)
    assert cfg.get("a", "drives") == ["C:\\", "D:\\"]
    assert cfg.get("a", "after") == "1"


def test_empty_list():
    cfg = load("[a]\nnone = []\n")
    assert cfg.get("a", "none") == []


def test_multiline_string():
    cfg = load(
        '''
        [a]
        motd = """
        Welcome!
          Please behave.
        """
        next = 1
        '''
    )
    assert cfg.get("a", "motd") == "Welcome!\n  Please behave.\n"
    assert cfg.get("a", "next") == "1"


def test_hash_lines_inside_multiline_string_are_kept():
    cfg = load(
        '''
        [a]
        motd = """
        # House rules
        Be nice # seriously
        """
        '''
    )
    assert cfg.get("a", "motd") == "# House rules\nBe nice # seriously\n"


def test_multiline_string_closed_on_same_line():
    cfg = load('[a]\ns = """one line"""\n')
    assert cfg.get("a", "s") == "one line"


def test_multiline_literal_string_does_not_decode_escapes():
    cfg = load(
        """
        [a]
        s = '''
        C:\\new
        '''
        """
    )
    assert cfg.get("a", "s") == "C:\\new\n"


def test_parse_records_line_numbers_and_source():
    doc = parse("[a]\n\n# c\nx = 1\n", source="app.ini")
    entry = doc["a"]["x"]
    assert entry.value == "1"
    assert entry.lineno == 4
    assert entry.source == "app.ini"


def test_keys_are_case_sensitive():
    cfg = load("[a]\nKey = 1\nkey = 2\n")
    assert cfg.get("a", "Key") == "1"
    assert cfg.get("a", "key") == "2"


@pytest.mark.parametrize(
    "text, lineno, fragment",
    [
        ("[a]\nx = 1\nx = 2\n", 3, "duplicate key 'x'"),
        ("x = 1\n", 1, "before any [section]"),
        ("[a]\n[a]\n", 2, "duplicate section"),
        ("[a]\n\n[bad name]\n", 3, "invalid section name"),
        ("[a\n", 1, "malformed section header"),
        ("[a]\nnovalue\n", 2, "expected 'key = value'"),
        ('[a]\n# c\ns = "abc\n', 3, "unterminated string"),
        ('[a]\ns = "bad \\q escape"\n', 2, "invalid escape"),
        ("[a]\nx = 1\nl = [a, b\n\n", 3, "unterminated list"),
        ('[a]\ns = """\nno end\n', 2, "unterminated multi-line string"),
        ('[a]\ns = "v" extra\n', 2, "unexpected text after value"),
    ],
)
def test_parse_errors_report_line_numbers(text, lineno, fragment):
    with pytest.raises(ParseError) as info:
        loads(text)
    assert info.value.lineno == lineno
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"line {lineno}:")
