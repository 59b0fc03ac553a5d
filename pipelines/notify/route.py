"""Who is told about a rated session: the account behind its token, if the catalog knows one and it has
an address for one of its channels.
"""

from __future__ import annotations

from datetime import datetime

from pipelines.catalog.view import CatalogView
from pipelines.notify.logic import NoChannelError, session_completed
from pipelines.notify.models import Notification
from pipelines.rating.models import RatedSession


def notification_for(rated: RatedSession, catalog: CatalogView, *, now: datetime) -> Notification | None:
    if rated.account_id is None:
        return None
    account = catalog.account(rated.session.tenant_id, rated.account_id)
    if account is None:
        return None
    try:
        return session_completed(rated, account, now=now)
    except NoChannelError:  # the account has no address for any of its channels: nobody to tell
        return None
