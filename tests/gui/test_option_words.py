"""Core's CLI options in the window's words (gui_app.explore.option_words, issue 11)."""

from __future__ import annotations

import pytest

from gui_app.explore.option_words import window_words


@pytest.mark.parametrize(
    ("core", "window"),
    [
        (
            "choose --missing drop or --missing mean",
            "choose “Missing values: drop incomplete rows” or "
            "“Missing values: fill with the column mean”",
        ),
        ("; choose one with --target NAME", "; choose one with the Target column"),
        (
            "the target column has no values; choose another with --target",
            "the target column has no values; choose another with the Target column",
        ),
        ("choose decimal '.' (--decimal .)", "choose decimal '.' (“Decimal mark: point 1.5”)"),
        (
            "choose thousands ',' (--thousands ,)",
            "choose thousands ',' (“Thousands separator: comma 1,234”)",
        ),
        ("encode it with --categorical sex", "encode it with role ‘categorical’ for sex"),
        ("leave it out with --ignore id, or", "leave it out with role ‘ignored’ for id, or"),
        (
            "(or leave the column out with --ignore)",
            "(or leave the column out with the ‘ignored’ role)",
        ),
        (
            "choose the delimiter with --delimiter)",
            "choose the delimiter with the Delimiter option)",
        ),
        (
            "read the first row as names (--header yes)",
            "read the first row as names (“First row is a header: yes”)",
        ),
        ("--no-header", "“First row is a header: no”"),
        ("choose --decimal to change it", "choose the Decimal mark option to change it"),
    ],
)
def test_each_option_phrase_reads_as_the_window_control(core, window):
    assert window_words(core) == window


def test_text_without_options_is_unchanged():
    text = "row 7: 'abc' is not a number -- in column 2 'size'"
    assert window_words(text) == text
    assert window_words("a--missing word") == "a--missing word"  # not an option
