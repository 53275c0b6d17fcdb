"""Reading configuration from environment variables.

Kept free of Django imports so that the CLI can use it before settings load.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

TRUE_VALUES = {"1", "true", "yes", "on"}


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in TRUE_VALUES


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def var_dir():
    """The git-ignored folder for local state: embedded database, media, static files."""
    path = Path(os.environ.get("BETEILIGUNG_VAR_DIR", Path.cwd() / ".var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def parse_email_url(url):
    """Turn EMAIL_URL into Django e-mail settings.

    Supported forms: ``smtp://user:pass@host:25``, ``submission://user:pass@host:587``
    (STARTTLS), ``smtps://user:pass@host:465`` (implicit TLS), ``console://``,
    ``memory://`` and ``demo-outbox://`` (development only). Query parameters
    ``from=`` and ``timeout=`` are honoured.

    Returns every setting the URL decides, always the same keys (Django's defaults where
    the scheme says nothing), so settings.py assigns each by name; ``DEFAULT_FROM_EMAIL``
    is None unless ``from=`` gives one.
    """
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    scheme = parts.scheme.lower()
    backends = {
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "submission": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
        "console": "django.core.mail.backends.console.EmailBackend",
        "memory": "django.core.mail.backends.locmem.EmailBackend",
        "demo-outbox": "beteiligung.participation.mail.DemoOutboxBackend",
    }
    if scheme not in backends:
        raise ValueError(f"EMAIL_URL: unsupported scheme {scheme!r}")
    config = {
        "EMAIL_BACKEND": backends[scheme],
        # Django's defaults, which the non-SMTP backends ignore.
        "EMAIL_HOST": "localhost",
        "EMAIL_PORT": 25,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": None,
        "DEFAULT_FROM_EMAIL": query.get("from"),
    }
    if scheme in {"smtp", "submission", "smtps"}:
        default_port = {"smtp": 25, "submission": 587, "smtps": 465}[scheme]
        config.update(
            EMAIL_HOST=parts.hostname or "localhost",
            EMAIL_PORT=parts.port or default_port,
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_TLS=scheme == "submission",
            EMAIL_USE_SSL=scheme == "smtps",
            EMAIL_TIMEOUT=int(query.get("timeout", 20)),
        )
    return config


CACHE_TABLE = "beteiligung_cache"


def parse_cache_url(url):
    """Turn CACHE_URL into the default entry of Django's CACHES (without the key functions).

    ``db://`` (the default; ``db://<table>`` for another table) is Django's database cache
    in the public schema, shared by every process; ``redis://host:6379/0`` (or
    ``rediss://``) is Redis (needs the ``redis`` package); ``locmem://`` is per process
    and therefore only for development: rate limits would count per process.
    """
    parts = urlsplit(url or "db://")
    scheme = parts.scheme.lower()
    if scheme == "db":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": (parts.netloc + parts.path).strip("/") or CACHE_TABLE,
            # Django's default of 300 entries would cull rate-limit counters under load.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": parts.netloc or "beteiligung"}
    raise ValueError(f"CACHE_URL: unsupported scheme {scheme!r}")
