"""How a module plugs into the portal: one registry for everything a module brings.

A module's AppConfig.ready() calls ``register(Module(...))``. The portal reads from
here, and nowhere else, which procedure page types exist (listing filters), which URLs
to mount (project/urls_tenant.py), which periodic tasks the scheduler runs, which demo
content ``beteiligung demo`` creates, which retention policies the retention run
applies, and which table exports the back office offers. The portal itself never
imports a module.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


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
