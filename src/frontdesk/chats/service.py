"""The chat domain's one public face (docs/chat.md): what routers, sockets, timers and other
domains call. Each rule lives in the module that has its one job:

- `log.py`: the event log: the next event of a chat, the batched message hot path, replay.
- `lifecycle.py`: start, join, invite and transfer, leave, label, type, end.
- `offering.py`, `offers.py`: a chat offered to one agent at a time (an inbox option): who is
  next, Accept, Decline, running out, going offline.
- `closing.py`: the ticket a chat becomes when it ends, and its transcript.
- `capacity.py`: who can take a chat: load, capacity, online members, queue position.
- `availability.py`: agents going online and offline, and chats ended because nobody answers.
- `opening.py`: what the messenger says about now (online, away, closed) from the inbox's
  business hours; no chat out of hours.
- `presence.py`: open connections of agents and visitors, heartbeats, stale rows.
- `visitors.py`: visitor tokens, identity, page and minimized reports, the contact form.
- `late_email.py`: the visitor's address given for a chat after it started.
- `typing_preview.py`: what a visitor types, relayed to the chat's agents before it is sent.
- `reads.py`: chats as an agent sees them: details, the chat bar, unread counts, read marks.
"""

from __future__ import annotations

from frontdesk.chats.availability import (
    agent_connected,
    desk_opened,
    end_unanswered_chats,
    expire_idle_agents,
    lock_agent,
    set_availability,
)
from frontdesk.chats.capacity import (
    agent_loads,
    agent_presence,
    anyone_online,
    queue_status,
)
from frontdesk.chats.late_email import give_email
from frontdesk.chats.lifecycle import (
    end_chat,
    end_visitor_chat,
    invite_to_chat,
    join_chat,
    label_chat,
    leave_chat,
    leave_inbox_chats,
    set_typing,
    start_chat,
)
from frontdesk.chats.log import (
    VISITOR,
    NewMessage,
    PostedMessage,
    agent_author,
    events_after,
    lock_chat,
    lock_visitor,
    post_message,
    post_messages,
    visitor_author,
)
from frontdesk.chats.offering import open_offer, open_offers
from frontdesk.chats.offers import accept_offer, decline_offer, expire_offers
from frontdesk.chats.opening import (
    Opening,
    OpeningState,
    opening_now,
    reply_expected_from,
)
from frontdesk.chats.presence import (
    connection_closed,
    connection_opened,
    heartbeat,
    reap_stale_connections,
    visitor_connected,
)
from frontdesk.chats.reads import (
    chat_bar,
    chat_label_names,
    ensure_participant,
    followed_chat_ids,
    get_chat,
    invitations,
    list_ongoing,
    mark_read,
    participants,
    participants_by_chat,
    unread_counts,
    unseen_chats,
)
from frontdesk.chats.status_read import status_inbox
from frontdesk.chats.typing_preview import share_draft
from frontdesk.chats.visitors import (
    claims_unconfirmed_email,
    clear_identity,
    create_visitor,
    get_visitor_chat,
    identify_visitor,
    identity_hash,
    list_visitor_chats,
    open_chats_of_visitor,
    report_minimized,
    report_page,
    resolve_visitor,
    submit_contact_form,
    visitor_of,
)

__all__ = [
    "VISITOR",
    "NewMessage",
    "Opening",
    "OpeningState",
    "PostedMessage",
    "accept_offer",
    "agent_author",
    "agent_connected",
    "agent_loads",
    "agent_presence",
    "anyone_online",
    "chat_bar",
    "chat_label_names",
    "claims_unconfirmed_email",
    "clear_identity",
    "connection_closed",
    "connection_opened",
    "create_visitor",
    "decline_offer",
    "desk_opened",
    "end_chat",
    "end_unanswered_chats",
    "end_visitor_chat",
    "ensure_participant",
    "events_after",
    "expire_idle_agents",
    "expire_offers",
    "followed_chat_ids",
    "get_chat",
    "get_visitor_chat",
    "give_email",
    "heartbeat",
    "identify_visitor",
    "identity_hash",
    "invitations",
    "invite_to_chat",
    "join_chat",
    "label_chat",
    "leave_chat",
    "leave_inbox_chats",
    "list_ongoing",
    "list_visitor_chats",
    "lock_agent",
    "lock_chat",
    "lock_visitor",
    "mark_read",
    "open_chats_of_visitor",
    "open_offer",
    "open_offers",
    "opening_now",
    "participants",
    "participants_by_chat",
    "post_message",
    "post_messages",
    "queue_status",
    "reap_stale_connections",
    "reply_expected_from",
    "report_minimized",
    "report_page",
    "resolve_visitor",
    "set_availability",
    "set_typing",
    "share_draft",
    "start_chat",
    "status_inbox",
    "submit_contact_form",
    "unread_counts",
    "unseen_chats",
    "visitor_author",
    "visitor_connected",
    "visitor_of",
]
