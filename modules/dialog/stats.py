"""Statistics of a dialog for its moderators: posts and distinct participants per day
and per category, and the geometry of a bar chart drawn server-side as inline SVG (the
admin's CSP allows no scripts or styles from elsewhere, and none are needed).

A participant is an account, or in e-mail mode a confirmed address (``email_key``).
Posts waiting for their e-mail confirmation do not count.
"""

from dataclasses import dataclass

from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Cast, Coalesce, NullIf, TruncDate
from django.utils import timezone

from beteiligung.participation.moderation import Visibility

from .models import Post


def _posts(dialog):
    return Post.objects.filter(dialog=dialog).exclude(visibility=Visibility.UNCONFIRMED)


def _participant():
    return Coalesce(Cast("author_id", CharField()), NullIf(F("email_key"), Value("")))


def per_day(dialog):
    """[{day, contributions, comments, posts, participants}] in day order (one query)."""
    rows = (_posts(dialog)
            .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
            .values("day")
            .annotate(contributions=Count("id", filter=Q(depth=0)),
                      comments=Count("id", filter=Q(depth__gt=0)),
                      posts=Count("id"),
                      participants=Count(_participant(), distinct=True))
            .order_by("day"))
    return list(rows)


def per_category(dialog):
    """[{category, contributions, comments, participants}]: comments count under the
    category of their contribution (one query, plus the categories' names)."""
    names = {c.pk: c.name for c in dialog.categories.all()}
    rows = (_posts(dialog)
            .annotate(cat=Coalesce("category_id", "root__category_id"))
            .values("cat")
            .annotate(contributions=Count("id", filter=Q(depth=0)),
                      comments=Count("id", filter=Q(depth__gt=0)),
                      participants=Count(_participant(), distinct=True))
            .order_by("cat"))
    result = [dict(row, category=names.get(row["cat"], "")) for row in rows]
    result.sort(key=lambda r: (r["cat"] is None, r["category"].lower()))
    return result


def totals(dialog):
    return _posts(dialog).aggregate(
        contributions=Count("id", filter=Q(depth=0)),
        comments=Count("id", filter=Q(depth__gt=0)),
        participants=Count(_participant(), distinct=True),
    )


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list
    peak: int
    baseline: float


def bar_chart(points, *, width=720, height=200, top=10, bottom=20):
    """Bars for ``points`` [(label, value)] in a ``width`` x ``height`` SVG viewBox."""
    points = list(points)
    peak = max((value for _label, value in points), default=0) or 1
    usable = height - top - bottom
    step = width / max(len(points), 1)
    bar_width = max(step * 0.8, 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = round(usable * value / peak, 2)
        bars.append(Bar(x=round(index * step + (step - bar_width) / 2, 2),
                        y=round(top + usable - bar_height, 2), width=round(bar_width, 2),
                        height=bar_height, value=value, label=label))
    return Chart(width=width, height=height, bars=bars, peak=peak, baseline=top + usable)
