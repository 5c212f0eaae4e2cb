"""create_app(settings): the ASGI app with its routers, broker and background loops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import cache, partial

from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.routing import BaseRoute

from frontdesk.actions.api import router as actions_router
from frontdesk.api_docs import mount_api_docs
from frontdesk.api_limits import ApiLimits, RateLimitHeaders
from frontdesk.apps.api import router as apps_router
from frontdesk.assignment import timers as assignment_timers
from frontdesk.assignment.api import router as assignment_router
from frontdesk.audit.api import router as audit_router
from frontdesk.chats import timers as chat_timers
from frontdesk.chats.api import router as chats_router
from frontdesk.chats.attachments_api import AGENT_UPLOAD_PATH, VISITOR_UPLOAD_PATH
from frontdesk.chats.attachments_api import agent_router as chat_files_router
from frontdesk.chats.attachments_api import link_router as file_links_router
from frontdesk.chats.attachments_api import visitor_router as visitor_files_router
from frontdesk.chats.messenger_api import router as messenger_router
from frontdesk.chats.messenger_deps import MessengerLimits
from frontdesk.chats.socket import router as sockets_router
from frontdesk.chats.writer import MessageWriter
from frontdesk.checklists.api import router as checklists_router
from frontdesk.config import Settings
from frontdesk.customers.api import router as customers_router
from frontdesk.customers.import_api import IMPORT_PATH
from frontdesk.customers.import_api import router as customers_import_router
from frontdesk.db.context import SETTINGS_KEY
from frontdesk.db.reading import READING_KEY, reading_process
from frontdesk.db.session import BEFORE_COMMIT_KEY, create_engine, create_sessionmaker
from frontdesk.db.sqlite import WriterPause, sqlite_checkpointer
from frontdesk.demo_site import mount_demo
from frontdesk.fields.api import router as fields_router
from frontdesk.files import timers as file_timers
from frontdesk.files.api import UPLOAD_PATH
from frontdesk.files.api import router as files_router
from frontdesk.hours import timers as hours_timers
from frontdesk.hours.api import router as hours_router
from frontdesk.http_errors import install_error_handlers
from frontdesk.idempotency import timers as idempotency_timers
from frontdesk.inboxes.api import router as inboxes_router
from frontdesk.kit.body_limit import BodyLimit
from frontdesk.kit.cors import MessengerCORS
from frontdesk.kit.headers import SecurityHeaders
from frontdesk.kit.loops import Loops
from frontdesk.kit.methods import HeadAsGet
from frontdesk.kit.redis_counts import RedisCounts
from frontdesk.knowledge.api import router as knowledge_router
from frontdesk.knowledge.messenger_api import router as knowledge_messenger_router
from frontdesk.knowledge.pages_api import router as help_center_router
from frontdesk.labels.api import router as labels_router
from frontdesk.links.api import router as links_router
from frontdesk.macros.api import router as macros_router
from frontdesk.mail.api import inbound_router, ticket_mail_router
from frontdesk.mail.api import router as outbox_router
from frontdesk.mail.fetching import MailboxFetcher
from frontdesk.mail.listener import InboundListener
from frontdesk.mail.mailbox_api import router as mailbox_router
from frontdesk.mail.timers import deliver_outbox
from frontdesk.mail.writer import InboundWriter
from frontdesk.notifications.api import router as notifications_router
from frontdesk.notifications.push import deliver_push
from frontdesk.openapi import install_error_docs
from frontdesk.ops.api import install_ops
from frontdesk.organisations import timers as organisation_timers
from frontdesk.organisations.api import router as organisations_router
from frontdesk.pending_replies import timers as pending_reply_timers
from frontdesk.pending_replies.api import router as pending_replies_router
from frontdesk.pending_replies.due import DUE_KEY as PENDING_DUE_KEY
from frontdesk.pending_replies.due import DueReplies
from frontdesk.portal.api import FILE_FORMS as PORTAL_FILE_FORMS
from frontdesk.portal.api import router as portal_router
from frontdesk.privacy import timers as privacy_timers
from frontdesk.privacy.api import router as privacy_router
from frontdesk.proactive.api import router as proactive_router
from frontdesk.proactive.messenger_api import router as proactive_messenger_router
from frontdesk.ratings import timers as rating_timers
from frontdesk.ratings.api import router as ratings_router
from frontdesk.ratings.messenger_api import router as ratings_messenger_router
from frontdesk.ratings.rate_api import router as rating_page_router
from frontdesk.realtime.broker import Broker
from frontdesk.realtime.memory import MemoryBroker
from frontdesk.realtime.publisher import BROKER_KEY
from frontdesk.replies.api import router as replies_router
from frontdesk.report_emails import timers as report_email_timers
from frontdesk.report_emails.api import router as report_emails_router
from frontdesk.report_emails.page_api import router as report_email_page_router
from frontdesk.reports.api import router as reports_router
from frontdesk.rules import engine as rules_engine
from frontdesk.rules import timers as rule_timers
from frontdesk.rules.api import router as rules_router
from frontdesk.saved_views.api import router as saved_views_router
from frontdesk.search.reader import READER_KEY as SEARCH_READER_KEY
from frontdesk.search.reader import search_reader
from frontdesk.side_conversations.api import router as side_conversations_router
from frontdesk.sla import timers as sla_timers
from frontdesk.sla.api import router as sla_router
from frontdesk.spam import timers as spam_timers
from frontdesk.spam.api import router as spam_router
from frontdesk.sso.api import login_router as sso_login_router
from frontdesk.sso.api import router as sso_router
from frontdesk.statuses.api import router as statuses_router
from frontdesk.tickets import counts as ticket_counts
from frontdesk.tickets.api import router as tickets_router
from frontdesk.tickets.moves_api import router as ticket_moves_router
from frontdesk.tickets.timers import wake_snoozed_tickets
from frontdesk.timetracking.api import router as timetracking_router
from frontdesk.users import timers as user_timers
from frontdesk.users.api import router as account_router
from frontdesk.users.api import users_router
from frontdesk.users.two_factor_api import router as two_factor_router
from frontdesk.visitors import service as visitors_service
from frontdesk.visitors.api import router as visitors_router
from frontdesk.visitors.messenger_api import router as visits_messenger_router
from frontdesk.visitors.registry import MemoryRegistry, RedisRegistry, Registry
from frontdesk.web import mount_frontends
from frontdesk.webhooks import capture as webhooks_capture
from frontdesk.webhooks import timers as webhook_timers
from frontdesk.webhooks.api import router as webhooks_router
from frontdesk.webhooks.timers import deliver_webhooks

logger = logging.getLogger(__name__)


def create_broker(settings: Settings) -> Broker:
    if settings.redis_url:
        from frontdesk.realtime.redis import RedisBroker

        return RedisBroker(settings.redis_url, channel=settings.redis_channel)
    return MemoryBroker()


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    for domain_router in (
        account_router,
        two_factor_router,
        users_router,
        inboxes_router,
        mailbox_router,
        hours_router,
        assignment_router,
        labels_router,
        statuses_router,
        fields_router,
        customers_router,
        customers_import_router,
        organisations_router,
        privacy_router,
        tickets_router,
        pending_replies_router,
        ticket_moves_router,
        ticket_mail_router,
        timetracking_router,
        checklists_router,
        links_router,
        side_conversations_router,
        files_router,
        chats_router,
        chat_files_router,
        outbox_router,
        inbound_router,
        apps_router,
        replies_router,
        knowledge_router,
        ratings_router,
        actions_router,
        spam_router,
        macros_router,
        saved_views_router,
        notifications_router,
        report_emails_router,
        reports_router,
        sla_router,
        rules_router,
        sso_login_router,
        sso_router,
        audit_router,
        webhooks_router,
        proactive_router,
        visitors_router,
    ):
        router.include_router(domain_router)
    return router


@cache
def routes() -> tuple[BaseRoute, ...]:
    """Every route of the API, the messenger and the sockets, analysed once per process.

    FastAPI analyses every endpoint's signature and dependencies for each router an app
    includes, once at `include_router` and again at the app's first request, and keeps the
    result on the included router. Created per app, that cost most of `create_app` and of the
    first request (~1 s; the tests create an app per test). The included routers built here are
    shared by every app of the process: none of these routes depends on the settings, which
    they reach through the app (`request.app.state`). A router with a lifespan or startup
    handlers of its own must go through `app.include_router` instead, which merges them."""
    router = APIRouter()
    for included in (
        api_router(),
        messenger_router,
        visitor_files_router,
        file_links_router,
        ratings_messenger_router,
        proactive_messenger_router,
        visits_messenger_router,
        rating_page_router,
        report_email_page_router,
        knowledge_messenger_router,
        # Before the help center's: its catch-all would answer /help/requests.
        portal_router,
        help_center_router,
        sockets_router,
    ):
        router.include_router(included)
    return tuple(router.routes)


Round = Callable[[async_sessionmaker[AsyncSession], Settings], Awaitable[object]]


def timed_rounds(settings: Settings) -> list[tuple[str, Round, float]]:
    """The rounds every server process runs on a timer: (name, job, seconds between rounds).
    Each job is called with the sessionmaker and the settings (bench/rounds.py times them)."""
    return [
        ("snoozes", wake_snoozed_tickets, settings.snooze_poll_interval),
        # Undo send holds a reply for seconds: it goes out within a second of its due time.
        ("pending-replies", pending_reply_timers.send_due_replies, pending_reply_timers.INTERVAL),
        ("unanswered-chats", chat_timers.end_unanswered_chats, settings.timer_interval),
        ("idle-agents", chat_timers.expire_idle_agents, settings.timer_interval),
        ("out-of-office", user_timers.start_and_end_absences, settings.timer_interval),
        # An offer's countdown is seconds long: looked at every second at most.
        ("chat-offers", chat_timers.expire_offers, min(1.0, settings.timer_interval)),
        ("presence", chat_timers.presence_heartbeat, settings.heartbeat_interval),
        ("rating-requests", rating_timers.send_rating_requests, settings.timer_interval),
        ("report-emails", report_email_timers.send_report_emails, report_email_timers.INTERVAL),
        ("unsent-uploads", file_timers.delete_unsent_uploads, file_timers.INTERVAL),
        ("auto-assignment", assignment_timers.assign_tickets, settings.timer_interval),
        ("hours-sla", hours_timers.refresh_slas, settings.timer_interval),
        ("sla", sla_timers.check_slas, settings.timer_interval),
        ("time-rules", rule_timers.run_time_rules, rule_timers.INTERVAL),
        ("retention", privacy_timers.apply_retention, privacy_timers.INTERVAL),
        ("spam", spam_timers.empty_spam, spam_timers.INTERVAL),
        ("erasures", privacy_timers.finish_erasures, settings.timer_interval),
        ("organisation-domains", organisation_timers.join_customers, settings.timer_interval),
        ("ticket-counts", ticket_counts.compact_counts, ticket_counts.INTERVAL),
        # Without an SMTP server mail stays queued, readable in the outbox (mail viewer),
        # except an inbox's that is sent through its mail provider's SMTP server.
        ("outbox", deliver_outbox, settings.outbox_poll_interval),
        ("webhooks", deliver_webhooks, settings.webhooks_poll_interval),
        ("webhook-log", webhook_timers.prune_deliveries, webhook_timers.PRUNE_INTERVAL),
        ("idempotency-keys", idempotency_timers.sweep_keys, idempotency_timers.INTERVAL),
        ("push", deliver_push, settings.push_poll_interval),
        # Live visitors: expired visits forgotten, the desks told of changes held back.
        ("live-visitors", visitors_service.tell_changes, visitors_service.THROTTLE),
    ]


def create_app(settings: Settings, *, run_loops: bool = True) -> FastAPI:
    checkpointer = sqlite_checkpointer(settings.database_url)
    engine = create_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        background_checkpoints=checkpointer is not None,
    )
    broker = create_broker(settings)
    # Who is on the inboxes' sites now: shared through Redis when the desk has several processes.
    visits: Registry = (
        RedisRegistry(settings.redis_url, prefix=f"{settings.redis_channel}:visits:")
        if settings.redis_url
        else MemoryRegistry()
    )
    # SQLite: searches read on connections of their own, off the event loop (search/reader.py).
    searches = search_reader(settings.database_url)
    # Reports read in a process of their own, off the desk's, on both stores (db/reading.py).
    reading = reading_process(settings)
    sessionmaker = create_sessionmaker(
        engine,
        info={
            SETTINGS_KEY: settings,
            BROKER_KEY: broker,
            visitors_service.VISITS_KEY: visitors_service.LiveVisits(visits),
            SEARCH_READER_KEY: searches,
            READING_KEY: reading,
            # When this app next has a held reply to send (Undo send): its own, not the process's.
            PENDING_DUE_KEY: DueReplies(),
            # Automation rules answer what each transaction did to tickets, inside it; then
            # webhooks queue their deliveries of all of it (the rules' changes included).
            BEFORE_COMMIT_KEY: (rules_engine.run_triggered, webhooks_capture.capture_events),
        },
    )
    shared_counts = (
        RedisCounts(settings.redis_url, prefix=f"{settings.redis_channel}:limits:")
        if settings.redis_url
        else None
    )
    loops = Loops()
    message_writer = MessageWriter(sessionmaker)
    # One for the SMTP listener and the HTTP endpoint: their deliveries share transactions.
    inbound_writer = InboundWriter(sessionmaker)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await broker.start()
        if reading is not None and run_loops:
            # The server has it ready for the first report; tests start it when they need it.
            reading.warm()
        pause = None
        if checkpointer is not None:
            pause = WriterPause(engine, asyncio.get_running_loop())
            checkpointer.start(pause)
        if run_loops:
            for name, job, interval in timed_rounds(settings):
                loops.start(interval, partial(job, sessionmaker, settings), name=name)
        # Mailboxes at mail providers (IMAP); with none configured it only looks now and then.
        fetcher = MailboxFetcher(sessionmaker, settings) if run_loops else None
        if fetcher is not None:
            fetcher.start()
        listener = (
            InboundListener(sessionmaker, settings, writer=inbound_writer)
            if settings.smtp_listen
            else None
        )
        if listener is not None:
            try:
                await listener.start()
            except OSError as exc:
                # The desk and the HTTP inbound endpoint still work; say loudly what does not.
                logger.error("SMTP listener not started on %s: %s", settings.smtp_listen, exc)
                listener = None
        try:
            yield
        finally:
            if listener is not None:
                await listener.stop()
            if fetcher is not None:
                await fetcher.stop()
            await loops.stop()
            await message_writer.stop()
            await inbound_writer.stop()
            await broker.stop()
            if shared_counts is not None:
                await shared_counts.close()
            await visits.close()
            if pause is not None:
                pause.close()
            await engine.dispose()
            if searches is not None:
                searches.dispose()
            if reading is not None:
                await reading.stop()
            if checkpointer is not None:
                await asyncio.to_thread(checkpointer.stop)

    app = FastAPI(
        title="frontdesk",
        version="0.1.0",
        summary="Help desk with live chat",
        # Served by mount_api_docs, with a Content-Security-Policy of its own.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.reading = reading
    app.state.broker = broker
    app.state.message_writer = message_writer
    app.state.messenger_limits = MessengerLimits.from_settings(settings, shared_counts)
    app.state.api_limits = ApiLimits.from_settings(settings, shared_counts)
    app.state.inbound_writer = inbound_writer
    install_error_handlers(app)
    install_error_docs(app)
    app.add_middleware(RateLimitHeaders)
    # Inside the CORS middleware: a refusal must reach the messenger's script, not just its page.
    app.add_middleware(
        BodyLimit,
        limit=settings.max_request_bytes,
        # Reads its own body, up to the mail size limit, and records what it refuses.
        unlimited={
            "/api/v1/inbound/mime",
            UPLOAD_PATH,
            AGENT_UPLOAD_PATH,
            VISITOR_UPLOAD_PATH,
            IMPORT_PATH,
        },
        # The portal's forms that take files (portal/forms.py).
        unlimited_matching=PORTAL_FILE_FORMS,
    )
    app.add_middleware(MessengerCORS)
    app.add_middleware(SecurityHeaders, public_url=settings.public_url)
    app.add_middleware(HeadAsGet)
    app.router.routes.extend(routes())  # see routes(): analysed once per process

    install_ops(app, settings, message_writer)

    # Last: the desk's catch-all route must not shadow the API.
    mount_api_docs(app)
    mount_demo(app)
    mount_frontends(app)
    return app
