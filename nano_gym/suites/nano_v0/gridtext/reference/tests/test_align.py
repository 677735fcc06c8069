import pytest

from gridtext.align import check_alignment, pad


def test_pad_left_right():
    assert pad("ab", 5) == "ab   "
    assert pad("ab", 5, "right") == "   ab"


def test_pad_center_puts_extra_space_right():
    assert pad("ab", 5, "center") == " ab  "
    assert pad("ab", 6, "center") == "  ab  "


def test_pad_never_cuts():
    assert pad("abcdef", 3) == "abcdef"


def test_pad_counts_display_width():
    assert pad("東京", 6) == "東京  "
    assert pad("東京", 6, "right") == "  東京"


def test_pad_fillchar():
    assert pad("x", 3, "right", fillchar=".") == "..x"


def test_unknown_alignment_is_rejected():
    with pytest.raises(ValueError, match="unknown alignment 'middle'"):
        check_alignment("middle")
    with pytest.raises(ValueError):
        pad("x", 3, "middle")
