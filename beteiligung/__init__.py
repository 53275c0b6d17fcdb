"""beteiligung: a multi-tenant citizen participation portal for German public administration."""

__version__ = "0.1.0"
