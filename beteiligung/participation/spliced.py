"""A page rendered once for many visitors, with the places that differ per visitor
found once and filled per request by slicing.

The dialog keeps a contribution with 500 comments as one string of about 600 kB.
Each visitor differs from the next in a handful of places (the buttons of their own
ratings, the edit links of their own posts). Searching the whole string with a regular
expression on every request costs more than everything else on the page; here the
places are found when the page is built (``Spliced.build``), and a request only
slices the string at the few places it changes (``fill``).

``html`` may be text or bytes (a page kept as bytes is not encoded again per request);
the pattern and the texts are of the same kind. A place is a match of a pattern the
caller chooses (marks that escaped user text can
never spell: attribute values and HTML comments). ``default(match)`` is what stands
there for a visitor without anything of their own; ``key(match)`` names the place.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Spliced:
    html: str
    # key -> [(start, end), ...] of the default text in ``html``
    places: dict = field(default_factory=dict)

    @classmethod
    def build(cls, html, pattern, default, key):
        parts, places, position, last = [], {}, 0, 0
        for match in pattern.finditer(html):
            parts.append(html[last:match.start()])
            position += match.start() - last
            text = default(match)
            parts.append(text)
            places.setdefault(key(match), []).append((position, position + len(text)))
            position += len(text)
            last = match.end()
        parts.append(html[last:])
        return cls(html[:0].join(parts), places)

    def within(self, before, after, marks=None):
        """This page placed between ``before`` and ``after`` (a frame around it). Each
        marker in ``marks`` (key -> marker) found in the frame becomes an empty place."""
        before, before_places = _cut(before, marks or {})
        after, after_places = _cut(after, marks or {})
        places = {}
        for found, shift in ((before_places, 0), (self.places, len(before)),
                             (after_places, len(before) + len(self.html))):
            for key, spans in found.items():
                places.setdefault(key, []).extend((a + shift, b + shift) for a, b in spans)
        return Spliced(before + self.html + after, places)

    def fill(self, texts):
        """``html`` with the places named in ``texts`` (key -> text) filled in."""
        edits = sorted((span, text) for key, text in texts.items()
                       for span in self.places.get(key, ()))
        if not edits:
            return self.html
        parts, last = [], 0
        for (start, end), text in edits:
            parts.append(self.html[last:start])
            parts.append(text)
            last = end
        parts.append(self.html[last:])
        return self.html[:0].join(parts)


def _cut(text, marks):
    """``text`` without the markers, and where they stood in what is left."""
    found = []
    for key, marker in marks.items():
        start = text.find(marker)
        while start != -1:
            found.append((start, marker, key))
            start = text.find(marker, start + len(marker))
    found.sort(key=lambda item: item[0])
    pieces, places, last, removed = [], {}, 0, 0
    for start, marker, key in found:
        pieces.append(text[last:start])
        places.setdefault(key, []).append((start - removed, start - removed))
        removed += len(marker)
        last = start + len(marker)
    pieces.append(text[last:])
    return text[:0].join(pieces), places
