"""What someone agreed to: the hash of the exact text shown, and the time.

The text itself may be edited later by an editor; the hash proves which version a
person agreed to (the texts' history is in the page revisions).
"""

import hashlib

from django.db import models
from django.utils import timezone


def text_hash(text):
    return hashlib.sha256(" ".join(str(text or "").split()).encode()).hexdigest()


class ConsentFields(models.Model):
    """Mixed into a module's model that records a consent (registration, post)."""

    consent_text_hash = models.CharField(max_length=64, blank=True, editable=False)
    consent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def record_consent(self, text, now=None):
        self.consent_text_hash = text_hash(text)
        self.consent_at = now or timezone.now()
