"""Who takes part: e-mail addresses normalised for comparison, and the client's network
as a keyed hash (never the address itself) for limits per connection."""

import hashlib
import hmac
import ipaddress
import re
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

UNICODE_LOCAL = re.compile(r"^[\w.!#$%&'*+/=?^`{|}~-]{1,64}$")


MAX_EMAIL = 254  # the column's length, and RFC 5321's limit for a forward path


def normalize_email(value):
    value = str(value or "").strip()
    if "\n" in value or "\r" in value or "\x00" in value:
        raise ValidationError("invalid")
    if len(value) > MAX_EMAIL:
        raise ValidationError("too long", code="too_long")
    local, _at, domain = value.rpartition("@")
    try:
        validate_email(value)
    except ValidationError:
        # Internationalised local parts (RFC 6531, e.g. jürgen@müller.de) are valid
        # addresses that Django's ASCII-only pattern refuses.
        if local.isascii() or not UNICODE_LOCAL.match(local):
            raise
        validate_email(f"x@{domain}")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    key = f"{local}@{domain}".lower()
    if len(key) > MAX_EMAIL:  # the ASCII form of an international domain is longer
        raise ValidationError("too long", code="too_long")
    return value, key



@cache
def _networks(entries):
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _trusted_proxies():
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _is_trusted_proxy(address, proxies):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request):
    """The client's IP address: REMOTE_ADDR, or, when that is a trusted reverse proxy
    (TRUSTED_PROXIES), the rightmost X-Forwarded-For entry that is not itself one. Entries
    left of it may be forged by the client; the proxies' own ones cannot."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = _trusted_proxies()
    if not proxies or not _is_trusted_proxy(remote, proxies):
        return remote
    forwarded = [entry.strip() for entry in
                 request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    for address in reversed(forwarded):
        if not _is_trusted_proxy(address, proxies):
            return address
    return remote


def _parse_ip(value):
    """An IP address as proxies write it: bare, "1.2.3.4:5555", "[2001:db8::1]:443"."""
    value = str(value).strip()
    if value.startswith("[") and "]" in value:
        value = value[1:value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    return ipaddress.ip_address(value)


def client_network(address):
    """The client's network as text: the IPv4 address, or the IPv6 /64 (which one machine
    usually has whole); an IPv4-mapped IPv6 address counts as its IPv4 address.

    "" only when no address was given (services called by the portal itself: admin,
    tasks, shell), which limits skip. An address that cannot be read (e.g. garbage in
    X-Forwarded-For behind a trusted proxy) is "unreadable", one bucket shared by all of
    them, so garbage can never switch a limit off."""
    if not address:
        return ""
    try:
        ip = _parse_ip(address)
    except ValueError:
        return "unreadable"
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ip) if ip.version == 4 else str(ipaddress.ip_network(f"{ip}/64", strict=False))


EVENTS_CLIENT_SCOPE = "beteiligung.events.client"


def client_key(address, scope=EVENTS_CLIENT_SCOPE):
    """A keyed hash (HMAC with SECRET_KEY) of the client's network (client_network), so
    the address itself is never stored; "" when no address was given.

    ``scope`` names what the key counts, so keys of one limit say nothing about another.
    The default is the events' open holds, whose keys are stored in registrations: it
    must not change, or stored keys stop matching."""
    network = client_network(address)
    if not network:
        return ""
    message = f"{scope}:{network}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]
