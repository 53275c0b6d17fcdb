"""Public views of the dialog module: thin shells over services.py."""

from django.template.response import TemplateResponse


def dialog_page(page, request):
    context = page.get_context(request)
    return TemplateResponse(request, page.get_template(request), context)
