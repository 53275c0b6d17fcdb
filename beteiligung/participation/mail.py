"""E-mail for all modules: one sender, links built with the tenant's own domain."""

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.db import connection, models
from django.template.loader import render_to_string
from django_tenants.utils import get_public_schema_name


def tenant_url(path, tenant=None):
    """Absolute URL of ``path`` on the current (or given) tenant's primary domain.

    Use it for links in e-mails and files that leave the request: a link built
    from a request's host would be wrong in a task, and a fixed setting would
    send tenant B's users to tenant A.
    """
    tenant = tenant or getattr(connection, "tenant", None)
    if not hasattr(tenant, "base_url"):
        # schema_context() sets only a schema name; find the tenant behind it.
        from django_tenants.utils import schema_context

        from tenants.models import Tenant

        schema = connection.schema_name
        with schema_context(get_public_schema_name()):
            tenant = Tenant.objects.filter(schema_name=schema).first()
        if tenant is None or schema == get_public_schema_name():
            raise RuntimeError("tenant_url() needs an active tenant")
    base = tenant.base_url()
    if base is None:
        raise RuntimeError(f"tenant {tenant.schema_name} has no primary domain")
    return base + path


def send_mail(to, subject, template, context, attachments=(), reply_to=None):
    """Render ``template``.txt (and .html if present) and send it to ``to``."""
    from django.template import TemplateDoesNotExist

    body = render_to_string(f"{template}.txt", context).strip() + "\n"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        to=[to] if isinstance(to, str) else list(to),
        reply_to=[reply_to] if reply_to else None,
    )
    try:
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    except TemplateDoesNotExist:
        pass
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message.send()


class DemoOutboxBackend(BaseEmailBackend):
    """Keep e-mails in the tenant's own outbox table, shown at /demo/postausgang/.

    Only for the demo: production settings refuse it. Mail sent outside a
    tenant (public schema) goes to the console.
    """

    def send_messages(self, email_messages):

        if connection.schema_name == get_public_schema_name():
            return ConsoleBackend().send_messages(email_messages)
        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = content
            OutboxMessage.objects.create(
                to=", ".join(message.to),
                subject=message.subject,
                body=message.body,
                html=html,
                attachments=[
                    {"filename": a[0], "mimetype": a[2]} for a in message.attachments
                    if isinstance(a, tuple)
                ],
            )
        return len(email_messages)


class OutboxMessage(models.Model):
    """An e-mail kept by the demo outbox instead of being sent (never in production)."""

    to = models.TextField()
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField(blank=True)
    attachments = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.subject} -> {self.to}"

