"""Small predicates that combine: who may do what with a procedure."""

from django.utils import timezone


def is_open(procedure, now=None):
    return procedure.is_open(now or timezone.now())


def can_edit_page(user, page):
    """Editors whose Wagtail permissions allow changing the page (its authority's group)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return page.permissions_for_user(user).can_edit()


def is_moderator(user, procedure):
    """The procedure's editors moderate it, and so do members of its moderator group."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    group_id = getattr(procedure, "moderator_group_id", None)
    if group_id and user.groups.filter(pk=group_id).exists():
        return True
    return can_edit_page(user, procedure)


is_organizer = can_edit_page
