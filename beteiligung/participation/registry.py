"""How a module plugs into the portal: one registry for everything a module brings.

A module's AppConfig is a ``ModuleConfig``, whose ready() registers the ``Module`` that
its ``plug_in()`` describes; its wagtail_hooks.py mounts its admin views with
``admin_urls`` and links them from its pages with ``page_buttons``. The portal reads from
here, and nowhere else, which procedure page types exist (listing filters), which URLs
to mount (project/urls_tenant.py), which periodic tasks the scheduler runs, which demo
content ``beteiligung demo`` creates, which retention policies the retention run
applies, and which table exports the back office offers. The portal itself never
imports a module.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import AppConfig


@dataclass(frozen=True)
class PeriodicTask:
    task: object  # a django-tasks Task
    seconds: int


@dataclass(frozen=True)
class Export:
    """A table export of one procedure: ``rows(procedure)`` -> (headers, rows)."""

    key: str
    label: str
    rows: Callable


@dataclass(frozen=True)
class Module:
    label: str  # the app label
    page_models: tuple = ()  # ProcedurePage subclasses
    urls: str | None = None  # URLconf module, mounted at url_prefix with namespace=label
    url_prefix: str = ""
    periodic: tuple = ()  # PeriodicTask
    demo_content: Callable | None = None  # (tenant, spec), inside its schema; idempotent
    retention: Callable | None = None  # (now) -> list of RetentionRun (retention.py)
    exports: tuple = ()  # Export
    # (request) -> HttpResponse or None: serves a hot public page from the module's
    # per-process cache before the page routing runs (fastpath.py); None falls through.
    fast_path: Callable | None = None
    extra: dict = field(default_factory=dict)


_modules: dict[str, Module] = {}


def register(module: Module):
    """Idempotent (ready() may run more than once in tests)."""
    _modules[module.label] = module


class ModuleConfig(AppConfig):
    """The AppConfig of a module: ready() registers it with its URLconf ``<name>.urls``
    (mounted at ``url_prefix``, namespace = the app label) and what ``plug_in()`` returns.
    A module's apps.py names it as ``registry.ModuleConfig``: imported by its own name,
    Django would find two AppConfig classes there and use neither."""

    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = ""

    def plug_in(self):
        """The rest of the module's ``Module`` fields (page models, tasks, demo content...)
        as a dict. Called from ready(), so it may import the module's models."""
        return {}

    def ready(self):
        register(Module(label=self.label, urls=f"{self.name}.urls", url_prefix=self.url_prefix,
                        **self.plug_in()))


def modules():
    return list(_modules.values())


def module(label):
    return _modules.get(label)


def periodic_tasks():
    return [task for m in _modules.values() for task in m.periodic]


def demo_content_hooks():
    return [m.demo_content for m in _modules.values() if m.demo_content]


def fast_paths():
    return [m.fast_path for m in _modules.values() if m.fast_path]


def retention_policies():
    return [(m.label, m.retention) for m in _modules.values() if m.retention]


def procedure_types():
    """{type key: label} of every registered procedure page type."""
    return {
        model.procedure_type_key: model.procedure_type_label
        for m in _modules.values() for model in m.page_models
    }


# --- The Wagtail admin (called from a module's wagtail_hooks.py) ---------------------


def admin_urls(prefix, namespace, urlpatterns):
    """Mount a module's admin views at /admin/<prefix>, named ``<namespace>:<name>``."""
    from django.urls import include, path
    from wagtail import hooks

    hooks.register("register_admin_urls", lambda: [path(prefix, include((urlpatterns, namespace)))])


HEADER_BUTTON_PRIORITY, LISTING_BUTTON_PRIORITY = 12, 3


def page_buttons(page_model, label, url_name, icon_name, allowed):
    """A button to a module's admin view (``url_name``, given the page's id) on the pages of
    ``page_model``, in the page header and in the page listing's "more" menu, for the users
    for whom ``allowed(page, user)``."""
    from django.urls import reverse
    from wagtail import hooks
    from wagtail.admin.widgets import Button

    def buttons(page, user, priority):
        if issubclass(page.specific_class or object, page_model) and allowed(page, user):
            yield Button(label, reverse(url_name, args=[page.pk]), icon_name=icon_name,
                         priority=priority)

    def header_buttons(page, user, view_name, next_url=None):
        return buttons(page, user, HEADER_BUTTON_PRIORITY)

    def listing_buttons(page, user, next_url=None):
        return buttons(page, user, LISTING_BUTTON_PRIORITY)

    hooks.register("register_page_header_buttons", header_buttons)
    hooks.register("register_page_listing_more_buttons", listing_buttons)
