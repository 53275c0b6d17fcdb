"""The project's database backend (django-tenants' PostgreSQL backend, fewer round trips)."""
