"""Every route of the dialog module, with tenant A's ids filled in: for the isolation
tests (tried at tenant B, tests/dialog/test_isolation.py) and the platform host's
(tests/test_platform_host.py). ``test_the_route_table_is_complete`` fails when a route
is added to the module without being added here."""

from dataclasses import dataclass

from django.db import connection
from django_tenants.utils import tenant_context

from beteiligung.portal.authorities import create_authority

from .conftest import make_dialog, make_post

# (method, path); {dialog} is a dialog page's path, {post} a contribution, {own} a
# contribution of the logged-in participant, {page} a dialog page's id, {block} a block.
PAGE_ROUTES = [
    ("GET", "{dialog}"),
    ("GET", "{dialog}beitragen/"),
    ("POST", "{dialog}beitragen/"),
    ("GET", "{dialog}beitrag/{post}/"),
    ("GET", "{dialog}beitrag/{post}/antworten/"),
    ("POST", "{dialog}beitrag/{post}/antworten/"),
    ("POST", "{dialog}beitrag/{post}/bewerten/"),
    ("GET", "{dialog}beitrag/{post}/melden/"),
    ("POST", "{dialog}beitrag/{post}/melden/"),
    ("GET", "{dialog}beitrag/{own}/bearbeiten/"),
    ("POST", "{dialog}beitrag/{own}/bearbeiten/"),
    ("GET", "{dialog}beitrag/{own}/loeschen/"),
    ("POST", "{dialog}beitrag/{own}/loeschen/"),
]
MODULE_ROUTES = [
    ("GET", "/dialoge/bestaetigen/{confirm}/"),
    ("GET", "/dialoge/abbestellen/{unsubscribe}/"),
    ("POST", "/dialoge/abbestellen/{unsubscribe}/"),
    ("GET", "/dialoge/verwalten/{manage}/"),
    ("POST", "/dialoge/verwalten/{manage}/"),
    ("GET", "/dialoge/verwalten/{manage}/loeschen/"),
    ("POST", "/dialoge/verwalten/{manage}/loeschen/"),
    ("GET", "/dialoge/netiquette/"),
]
ADMIN_ROUTES = [
    ("GET", "/admin/dialog/{page}/moderation/"),
    *[("POST", f"/admin/dialog/{{page}}/moderation/{{post}}/{action}/")
      for action in ("approve", "hide", "restore", "dismiss", "block", "reply")],
    ("POST", "/admin/dialog/{page}/sperre/{block}/aufheben/"),
    *[("GET", f"/admin/dialog/{{page}}/export/{kind}.{fmt}")
      for kind in ("posts", "ratings") for fmt in ("csv", "xlsx")],
    ("GET", "/admin/dialog/{page}/statistik/"),
]
ROUTES = PAGE_ROUTES + MODULE_ROUTES + ADMIN_ROUTES
# What a page of tenant A carries that no answer elsewhere may show.
SECRETS = ("Geheimdialog Alpha", "Geheimer Beitrag Alpha", "nur in Alpha zu lesen",
           "Alfred Alpha", "Sperrgrund Alpha")


@dataclass
class DialogOfA:
    """A dialog of tenant A with a contribution, a comment, a participant's own
    contribution and a block; the values fill the paths of ``ROUTES``."""

    dialog: object
    post: object
    own: object
    block: object
    author: object
    values: dict

    def counts(self):
        """What tenant A holds of it (compared before and after a request elsewhere)."""
        from modules.dialog.models import Block, ModerationLog, Post, Rating, Report

        return {
            "posts": list(Post.objects.filter(dialog=self.dialog).order_by("pk").values_list(
                "pk", "visibility", "text", "report_count", "support_count", "notify_replies")),
            "ratings": Rating.objects.filter(post__dialog=self.dialog).count(),
            "reports": Report.objects.filter(post__dialog=self.dialog).count(),
            "blocks": Block.objects.filter(dialog=self.dialog).count(),
            "log": ModerationLog.objects.filter(dialog=self.dialog).count(),
        }


def dialog_of_a(tenant_a):
    """Build ``DialogOfA`` in tenant A's schema (e-mail mode: every form is open to all)."""
    from modules.dialog import services
    from modules.dialog.models import Block

    from ..factories import make_user

    with tenant_context(tenant_a):
        authority = create_authority("Ministerium Alpha", short_name="Alpha")
        dialog = make_dialog(authority, title="Geheimdialog Alpha", participation_mode="email")
        author = make_user("alfred@alpha.example", first_name="Alfred", last_name="Alpha")
        post = make_post(dialog, "nur in Alpha zu lesen", title="Geheimer Beitrag Alpha",
                         author_name="Alfred Alpha", author_email="alfred@alpha.example",
                         email_key="alfred@alpha.example", notify_replies=True)
        make_post(dialog, "Kommentar, nur in Alpha zu lesen", parent=post, author_name="Alfred Alpha")
        own = make_post(dialog, "Eigener Text, nur in Alpha zu lesen", title="Geheimer Beitrag Alpha",
                        author=author, author_name="Alfred Alpha")
        block = Block.objects.create(dialog=dialog, email_key="gesperrt@alpha.example",
                                     reason="Sperrgrund Alpha")
        values = {
            "dialog": dialog.url_path_on_site, "page": dialog.pk, "post": post.pk, "own": own.pk,
            "block": block.pk, "confirm": services.confirm_link(post),
            "unsubscribe": services.unsubscribe_link(post),
            "manage": services.manage_link(post),
        }
    return DialogOfA(dialog, post, own, block, author, values)


def route_id(route):
    method, path = route
    return f"{method} {path}"


def ids_after(model, value):
    """Let the next ids of ``model`` in the current schema come after ``value``.

    Each schema counts its ids apart, so tenant B may well have a row with the number of
    one of A's: that row is B's own, and showing it is no leak. Moving B's sequence past
    A's ids first makes "not found" the only right answer for A's ids at B. (A sequence
    only moves forward and is not rolled back; that harms nobody.)"""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, GREATEST(%s, nextval(%s)))", [sequence, value, sequence])
