"""Routes of the dialog module below /dialoge/ (the dialog page itself is a Wagtail page)."""

urlpatterns = []
app_name = "dialog"
