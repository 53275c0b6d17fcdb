"""Signed links bound to one tenant.

The salt names the purpose and the tenant's schema: a link of one portal is invalid at
every other, and a link made for one purpose (confirming a registration) cannot be used
for another (unsubscribing from replies).
"""

from django.core import signing
from django.db import connection


def signer(purpose):
    return signing.Signer(salt=f"beteiligung.{purpose}:{connection.schema_name}")


def timestamp_signer(purpose):
    return signing.TimestampSigner(salt=f"beteiligung.{purpose}:{connection.schema_name}")


def sign(purpose, value):
    return signer(purpose).sign(str(value))


def unsign(purpose, value, max_age=None):
    """The signed value, or None for a forged, foreign or (with max_age) expired link."""
    try:
        if max_age is not None:
            return timestamp_signer(purpose).unsign(str(value), max_age=max_age)
        return signer(purpose).unsign(str(value))
    except signing.BadSignature:
        return None


def sign_timed(purpose, value):
    return timestamp_signer(purpose).sign(str(value))
