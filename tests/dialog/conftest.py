from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone


def make_dialog(authority, title="Wie soll der Marktplatz aussehen?", **fields):
    """A dialog page under ``authority``, open from yesterday for 30 days by default."""
    from modules.dialog.models import DialogPage

    now = timezone.now()
    defaults = dict(
        question="Was wünschen Sie sich für den neuen Marktplatz?",
        starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30),
        participation_mode="account", moderation_mode="post", report_threshold=2,
    )
    defaults.update(fields)
    return authority.add_child(instance=DialogPage(title=title, **defaults))


def make_post(dialog, text="Mehr Radwege an der Karl-Liebknecht-Straße.", *, parent=None,
              visibility="published", author=None, author_name="Anna Beispiel", **fields):
    """A post written directly as a row (contribution, or a comment below ``parent``)."""
    from modules.dialog.models import Post

    if parent is not None:
        fields.setdefault("depth", parent.depth + 1)
        fields.setdefault("root_id", parent.root_id or parent.pk)
        fields["parent"] = parent
    else:
        fields.setdefault("title", "Radwege")
    if author is not None:
        fields.setdefault("author_email", "")
    now = timezone.now()
    if visibility == "published":
        fields.setdefault("published_at", now)
    return Post.objects.create(dialog=dialog, text=text, visibility=visibility, author=author,
                               author_name=author_name, **fields)


def post_data(**fields):
    from modules.dialog.services import PostData

    defaults = dict(title="Mehr Bäume", text="Bitte mehr Schatten.\n\nUnd Bänke: https://example.org")
    defaults.update(fields)
    return PostData(**defaults)


def email_data(**fields):
    defaults = dict(name="Erika Muster", email="erika@example.org", privacy_consent=True)
    defaults.update(fields)
    return post_data(**defaults)


@pytest.fixture
def dialog(tenant_a, authority_a):
    """A post-moderated, account-mode dialog in tenant A; the test runs in A's schema."""
    connection.set_tenant(tenant_a)
    return make_dialog(authority_a)


@pytest.fixture
def user(dialog):
    from ..factories import make_user

    return make_user("anna@example.org", first_name="Anna", last_name="Beispiel")


@pytest.fixture
def other(dialog):
    from ..factories import make_user

    return make_user("bernd@example.org", first_name="Bernd", last_name="Zweiter")
