"""Who is told about a rated session: the account behind its token, if the catalog knows one."""

from __future__ import annotations

from datetime import datetime

from pipelines.catalog.view import CatalogView
from pipelines.notify.logic import session_completed
from pipelines.notify.models import Notification
from pipelines.rating.models import RatedSession


def notification_for(rated: RatedSession, catalog: CatalogView, *, now: datetime) -> Notification | None:
    if rated.account_id is None:
        return None
    account = catalog.account(rated.session.tenant_id, rated.account_id)
    if account is None:
        return None
    return session_completed(rated, account, now=now)
