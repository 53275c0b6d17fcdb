"""A page kept for many visitors, filled per visitor by slicing at places found once."""

import re

from beteiligung.participation.spliced import Spliced

PLACE = re.compile(r'<!--mine(\d+)-->|value="x(\d+)"')


def _build(html):
    return Spliced.build(
        html, PLACE, lambda m: "" if m.group(1) else 'value="0"',
        lambda m: ("mine", int(m.group(1))) if m.group(1) else ("value", int(m.group(2))))


def test_places_get_their_default_and_only_named_ones_change():
    page = _build('<p>a<!--mine1--></p><b value="x1"></b><p>b<!--mine2--></p><b value="x2"></b>')
    assert page.html == '<p>a</p><b value="0"></b><p>b</p><b value="0"></b>'
    assert page.fill({}) is page.html
    assert page.fill({("mine", 2): "<i>2</i>", ("value", 1): 'value="1"'}) == (
        '<p>a</p><b value="1"></b><p>b<i>2</i></p><b value="0"></b>')
    assert page.fill({("mine", 99): "never"}) == page.html  # a place that is not there


def test_a_place_found_twice_is_filled_twice():
    page = _build("<!--mine3-->|<!--mine3-->")
    assert page.fill({("mine", 3): "x"}) == "x|x"


def test_within_a_frame_the_places_move_with_it():
    page = _build('<b value="x1"></b><!--mine1-->').within("<main>", "</main>")
    assert page.fill({("mine", 1): "!", ("value", 1): 'value="1"'}) == (
        '<main><b value="1"></b>!</main>')


def test_marks_in_the_frame_become_places_and_leave_no_trace():
    page = _build('<b value="x1"></b>').within("<h1>@@</h1>", "<form>@@</form>@@",
                                               {"mark": "@@"})
    assert page.html == '<h1></h1><b value="0"></b><form></form>'
    assert page.fill({"mark": "7", ("value", 1): 'value="1"'}) == (
        '<h1>7</h1><b value="1"></b><form>7</form>7')
