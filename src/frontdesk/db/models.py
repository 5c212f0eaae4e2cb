"""Imports every domain's tables so that Base.metadata is complete (for Alembic and tests)."""

from frontdesk.apps import models as apps_models
from frontdesk.assignment import models as assignment_models
from frontdesk.audit import models as audit_models
from frontdesk.chats import models as chats_models
from frontdesk.checklists import models as checklists_models
from frontdesk.customers import models as customers_models
from frontdesk.fields import models as fields_models
from frontdesk.files import models as files_models
from frontdesk.hours import models as hours_models
from frontdesk.idempotency import models as idempotency_models
from frontdesk.inboxes import models as inboxes_models
from frontdesk.knowledge import models as knowledge_models
from frontdesk.labels import models as labels_models
from frontdesk.links import models as links_models
from frontdesk.macros import models as macros_models
from frontdesk.mail import models as mail_models
from frontdesk.metrics import answered as metrics_answered
from frontdesk.metrics import models as metrics_models
from frontdesk.metrics import replied as metrics_replied
from frontdesk.notifications import models as notifications_models
from frontdesk.organisations import models as organisations_models
from frontdesk.pending_replies import models as pending_replies_models
from frontdesk.portal import models as portal_models
from frontdesk.privacy import models as privacy_models
from frontdesk.proactive import models as proactive_models
from frontdesk.ratings import models as ratings_models
from frontdesk.replies import models as replies_models
from frontdesk.report_emails import models as report_emails_models
from frontdesk.rules import models as rules_models
from frontdesk.saved_views import models as saved_views_models
from frontdesk.side_conversations import models as side_conversations_models
from frontdesk.sla import models as sla_models
from frontdesk.spam import models as spam_models
from frontdesk.sso import models as sso_models
from frontdesk.statuses import models as statuses_models
from frontdesk.tickets import models as tickets_models
from frontdesk.timetracking import models as timetracking_models
from frontdesk.users import models as users_models
from frontdesk.webhooks import models as webhooks_models

__all__ = [
    "apps_models",
    "assignment_models",
    "audit_models",
    "chats_models",
    "checklists_models",
    "customers_models",
    "fields_models",
    "files_models",
    "hours_models",
    "idempotency_models",
    "inboxes_models",
    "knowledge_models",
    "labels_models",
    "links_models",
    "macros_models",
    "mail_models",
    "metrics_answered",
    "metrics_models",
    "metrics_replied",
    "notifications_models",
    "organisations_models",
    "pending_replies_models",
    "portal_models",
    "privacy_models",
    "proactive_models",
    "ratings_models",
    "replies_models",
    "report_emails_models",
    "rules_models",
    "saved_views_models",
    "side_conversations_models",
    "sla_models",
    "spam_models",
    "sso_models",
    "statuses_models",
    "tickets_models",
    "timetracking_models",
    "users_models",
    "webhooks_models",
]
