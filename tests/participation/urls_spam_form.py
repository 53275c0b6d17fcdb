"""The tenant URLconf plus a tiny protected form at /spam-test/ (tests/participation/
test_spam_browser.py: pow.js fills the payload under the portal's CSP)."""

from django import forms
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from beteiligung.participation import spam
from beteiligung.project import urls_tenant

PAGE = """{% load static %}<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Test</title>
<link rel="stylesheet" href="{% static 'beteiligung/css/portal.css' %}">
<script src="{% static 'beteiligung/pow.js' %}" defer></script></head>
<body><main><p id="result">{{ result }}</p>
<form method="post" action="">{% csrf_token %}{{ form.as_div }}<button type="submit">Senden</button></form>
</main></body></html>"""

# Explicit limits: the page reads no setting (nothing is written that a test must remove).
LIMITS = spam.Limits(pow_max_number=5_000)


class TestForm(spam.SpamProtectedForm, forms.Form):
    text = forms.CharField(label="Ihr Beitrag", widget=forms.Textarea)


def spam_form(request):
    result = ""
    form = TestForm(request.POST or None, spam_limits=LIMITS)
    if request.method == "POST" and form.is_valid():
        verdict = form.spam_check(scope="dialog.contribution", user=None,
                                  address=request.META.get("REMOTE_ADDR"))
        result = f"{verdict.reason}:{verdict.proof_of_work}"
        form = TestForm(spam_limits=LIMITS)
    html = engines["django"].from_string(PAGE).render({"form": form, "result": result}, request)
    return HttpResponse(html)


urlpatterns = [path("spam-test/", spam_form)] + list(urls_tenant.urlpatterns)
