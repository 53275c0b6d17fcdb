"""How a module plugs into the portal: one registry for everything a module brings.

A module's AppConfig is a ``ModuleConfig``, whose ready() registers the ``Module`` that
its ``plug_in()`` describes; its wagtail_hooks.py mounts its admin views with
``admin_urls`` and links them from its pages with ``page_buttons``. The portal reads from
here, and nowhere else, which procedure page types exist (listing filters), which URLs
to mount (project/urls_tenant.py), which periodic tasks the scheduler runs, which demo
content ``beteiligung demo`` creates, which retention policies the retention run
applies, and which table exports there are. The portal itself never imports a module.

Table exports: a module lists its tables as ``Export`` entries in ``Module.exports``;
each applies to one procedure page type (its ``page_model``, or every page model of the
module). The module's admin views serve them through ``export_for()`` and the core's
writer (exports.py), and ``beteiligung export`` writes them for operators from the
command line (management/commands/export.py), so a registered table is offered in both
places and there is no second way of building one. Keys are unique per procedure type.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class PeriodicTask:
    task: object  # a django-tasks Task
    seconds: int


@dataclass(frozen=True)
class Export:
    """A table export of one procedure.

    ``headers(procedure)`` gives the column titles (a procedure may add columns of its
    own, such as an event's registration questions); ``rows(procedure, **filters)`` an
    iterator of rows, each a list of cell values for exports.safe_cell, read with one
    query through ``.iterator()`` so that no table is held in memory. Filters are the
    module's own (an admin list's search); without any, rows() gives the whole table,
    as the command line exports it. ``filename(procedure)`` is the file name without
    its extension."""

    key: str  # in the admin URLs and on the command line; unique per procedure type
    label: str  # lazy German (gettext_lazy), what the back office calls the table
    headers: Callable  # (procedure) -> list of column titles
    rows: Callable  # (procedure, **filters) -> iterator of rows
    filename: Callable  # (procedure) -> file name without extension
    page_model: type | None = None  # None: every page model of the module that registers it


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
    for model in module.page_models:
        keys = [export.key for export in _exports_of(module, model)]
        if len(keys) != len(set(keys)):
            raise ImproperlyConfigured(f"{module.label}: export keys of {model.__name__} "
                                       f"are not unique: {keys}")
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


def _exports_of(module, model):
    return [e for e in module.exports if e.page_model is None or issubclass(model, e.page_model)]


def exports_by_type():
    """{procedure type key: [Export, ...]} of every registered procedure page type."""
    return {
        model.procedure_type_key: _exports_of(m, model)
        for m in _modules.values() for model in m.page_models
    }


def exports_for(procedure):
    """The table exports of ``procedure`` (any ProcedurePage, specific or not), in the
    order the module registered them."""
    return exports_by_type().get(procedure.procedure_type, [])


def export_for(procedure, key):
    """The export ``key`` of ``procedure``, or None if its type has no such table."""
    return next((e for e in exports_for(procedure) if e.key == key), None)


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
