// The bell's words for a notification (docs/notifications.md): an assignment, and its reverse, an
// agent unassigned because the ticket moved to an inbox they are not a member of, which names the
// ticket by its number alone (they may no longer open it) and leads to the desk's start; a reply
// Undo send could not send, with why.

import assert from "node:assert/strict";
import test from "node:test";
import "./page";

const { loadWords, locale } = await import("../src/i18n");
// The French words are a chunk of their own, fetched before a test shows the desk in French.
await loadWords("fr");
const { notificationPath, notificationText } = await import("../src/notifications/text");
type Notification = Parameters<typeof notificationText>[0];

function notification(fields: Partial<Notification>): Notification {
  return {
    id: 1,
    kind: "assigned",
    ticket_id: 5,
    chat_id: null,
    actor: { id: 2, name: "Ada" },
    params: { number: 1005, subject: "Invoice" },
    read: false,
    created_at: "2026-12-07T09:00:00Z",
    ...fields,
  };
}

test("an assignment names the ticket and opens it", () => {
  locale.value = "en";
  const assigned = notification({});
  assert.equal(notificationText(assigned), "Ada assigned #1005 Invoice to you");
  assert.equal(notificationPath(assigned), "/tickets/5");
});

test("unassigned by a move: the number alone, opening nothing the agent may not see", () => {
  locale.value = "en";
  const moved = notification({ ticket_id: null, params: { number: 1005, unassigned: true, actor_name: "Ada" } });
  assert.equal(notificationText(moved), "Ada moved #1005 to an inbox you are not a member of: it is no longer assigned to you");
  assert.equal(notificationPath(moved), "/");
  const byRule = notification({ ticket_id: null, actor: null, params: { number: 1005, unassigned: true } });
  assert.equal(notificationText(byRule), "#1005 was moved to an inbox you are not a member of: it is no longer assigned to you");
  locale.value = "fr";
  assert.equal(notificationText(moved), "Ada a déplacé #1005 vers une boîte dont vous n'êtes pas membre : il ne vous est plus attribué");
  locale.value = "en";
});

test("a reply Undo send could not send: why, in the agent's language, and where it leads", () => {
  locale.value = "en";
  const reason = "You no longer have access to this ticket's inbox, so the reply was not sent.";
  // Taken out of the inbox: no ticket to open, its number only; the desk's start shows the text.
  const unseen = notification({ kind: "reply_not_sent", ticket_id: null, actor: null, params: { number: 1005, reason, reason_code: "ticket_not_visible" } });
  // The server's message repeats that the reply was not sent: the desk's own words do not.
  assert.equal(notificationText(unseen), "Your reply on #1005 was not sent. You no longer have access to this ticket's inbox.");
  assert.equal(notificationPath(unseen), "/");
  // Answered by someone else meanwhile: it opens the ticket, whose thread shows the reply. The
  // server's message (src/frontdesk/tickets/staleness.py) is for API clients: the desk's own words.
  const stale = notification({
    kind: "reply_not_sent",
    actor: null,
    params: {
      number: 1005,
      subject: "Invoice",
      reason: "1 new message arrived on this ticket since you started writing. Read it again, then send again with the newest id as `seen_entry_id`.",
      reason_code: "stale_thread",
    },
  });
  assert.equal(
    notificationText(stale),
    "Your reply on #1005 Invoice was not sent. New messages arrived on this ticket since you started writing: read them, then send again.",
  );
  assert.equal(notificationPath(stale), "/tickets/5");
  locale.value = "fr";
  assert.equal(
    notificationText(unseen),
    "Votre réponse sur #1005 n'a pas été envoyée. Vous n'avez plus accès à la boîte de ce ticket.",
  );
  // A code the desk has no words for: the server's English.
  const odd = notification({ kind: "reply_not_sent", actor: null, params: { number: 1005, subject: "Invoice", reason: "Too long.", reason_code: "invalid" } });
  assert.equal(notificationText(odd), "Votre réponse sur #1005 Invoice n'a pas été envoyée. Too long.");
  locale.value = "en";
  assert.equal(notificationText(odd), "Your reply on #1005 Invoice was not sent. Too long.");
});
