"""The models of the ``beteiligung`` app. They live on their floor (portal/,
participation/); Django looks for an app's models here."""

from beteiligung.participation.mail import OutboxMessage  # noqa: F401
from beteiligung.participation.pages import (  # noqa: F401
    ProcedurePage,
    ProcedurePageManager,
    ProcedurePageQuerySet,
    ProcedureStatus,
)
from beteiligung.participation.retention import RetentionRun  # noqa: F401
from beteiligung.participation.spam import SpamProtectionSettings  # noqa: F401
from beteiligung.participation.state import ProcedureState  # noqa: F401
from beteiligung.portal.pages import (  # noqa: F401
    AuthorityPage,
    HomePage,
    PortalSettings,
    ProcedureIndexPage,
    StandardPage,
)
