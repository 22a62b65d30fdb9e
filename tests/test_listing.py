"""ppn.listing: the library's source shown as a cell's output, the same in Jupyter and the book."""

import pytest

import ppn
from ppn.listing import Listing, listing


def test_an_object_is_shown_whole_with_its_file_and_name():
    shown = listing(ppn.Tape.backward)
    assert shown.origin == "`ppn/tape.py`: `Tape.backward`"
    assert shown.source.startswith("def backward(self, output: Var)")  # dedented from the class
    markdown = shown._repr_markdown_()
    assert markdown.startswith("`ppn/tape.py`: `Tape.backward`\n\n```python\ndef backward")
    assert markdown.endswith("\n```\n")
    assert repr(shown) == f"{shown.origin}\n\n{shown.source}"  # the text fallback nbval compares


def test_a_file_region_is_cut_like_literalinclude():
    after = listing("ppn/elementary.py", start_after="# The whole calculus", end_before="BINARY:")
    assert after.source.startswith("UNARY: dict[str, UnaryRule] = {")
    assert "BINARY" not in after.source and "The whole calculus" not in after.source
    at = listing("ppn/tensor.py", start_at="# The rule table: one row", end_at="}  # fmt: skip")
    assert at.source.startswith("# The rule table") and at.source.endswith("}  # fmt: skip")
    js = listing("book/_static/digit_pad.js", start_at="function prepareDigit")
    assert js.language == "javascript" and js.origin == "`book/_static/digit_pad.js`"


def test_a_fence_is_longer_than_any_backticks_in_the_source():
    shown = Listing("text = '````'", "python", "here")
    assert "`````python\n" in shown._repr_markdown_()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: listing("ppn/no_such_module.py"), "no file 'ppn/no_such_module.py'"),
        (lambda: listing("ppn/tape.py", start_at="no such marker"), "no line containing"),
        (lambda: listing("ppn/tape.py", start_at="a", start_after="b"), "not both"),
        (lambda: listing(ppn.Tape, end_at="x"), "an object is shown whole"),
        (lambda: listing(len), "cannot read the source"),
    ],
)
def test_misuse_names_the_problem(call, message):
    with pytest.raises((FileNotFoundError, ValueError, TypeError), match=message):
        call()
