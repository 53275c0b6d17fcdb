"""Hot public pages served before the page routing runs.

Wagtail finds a page by walking the tree: on this portal that is six queries and most
of a cached page's cost. A module may register a fast path (registry.Module.fast_path):
a function that answers a GET from its per-process cache, after checking with one
query that what it keeps is still what Wagtail would serve, or returns None, and the
request goes on to Wagtail as usual. The check re-states Wagtail's rules in SQL (the
page is live, its URL path is unchanged, no view restriction on it or an ancestor);
each module keeps a test that compares the fast answer with Wagtail's own.
"""

from django.db import connection
from django_tenants.utils import get_public_schema_name

from . import registry


class FastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Not inside an editor's preview (Wagtail runs the middleware on a dummy request).
        if (request.method in ("GET", "HEAD") and not getattr(request, "is_dummy", False)
                and connection.schema_name != get_public_schema_name()):
            for handler in registry.fast_paths():
                response = handler(request)
                if response is not None:
                    return response
        return self.get_response(request)


def restricted_sql(page_alias="p"):
    """SQL that is true when a view restriction applies to the page or an ancestor
    (Wagtail's ``PageViewRestriction`` on any prefix of the page's tree path)."""
    from wagtail.models import Page, PageViewRestriction

    quote = connection.ops.quote_name
    return (
        f"EXISTS (SELECT 1 FROM {quote(PageViewRestriction._meta.db_table)} r"
        f" JOIN {quote(Page._meta.db_table)} a ON a.id = r.page_id WHERE a.path = ANY (ARRAY"
        f" (SELECT substr({page_alias}.path, 1, {Page.steplen} * n)"
        f" FROM generate_series(1, {page_alias}.depth) n)))"
    )
