// A ticket moved to another inbox, as the desk sees it (docs/desk.md, "Moving a ticket to another
// inbox"): whom the Inbox field must ask about first, which events say a ticket left, and the
// tickets store against a fetch that answers the ticket, then 404 once it is no longer this
// agent's: the open ticket shows as moved, not as an error; moved back, it is shown again.

import assert from "node:assert/strict";
import test from "node:test";
import { g } from "./page";

const TICKET = { id: 5, number: 1005, inbox_id: 1, subject: "Invoice", state: "open", entries: [], earlier_entries: 0 };
/** What GET /api/v1/tickets/5 answers now: the ticket, or 404 once it left the agent's inboxes. */
let visible = true;
g.fetch = async (request: Request): Promise<Response> => {
  const url = new URL(request.url);
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  if (url.pathname === "/api/v1/tickets/5") {
    return visible ? json(TICKET) : json({ error: { code: "not_found", message: "No such ticket." } }, 404);
  }
  if (url.pathname === "/api/v1/tickets") return json({ items: [], next_cursor: null });
  return json({ error: { code: "not_found", message: "Not here." } }, 404);
};

const { createPinia, setActivePinia } = await import("pinia");
const { leftForInbox, unassignedByMove } = await import("../src/tickets/inboxMove");
const { useTickets } = await import("../src/tickets/store");

const moved = { type: "ticket.updated", chat_id: null, seq: null, data: { ticket: { id: 5, inbox_id: 2 }, changes: ["inbox", "assignee"], from_inbox_id: 1 } };
const closed = { type: "ticket.updated", chat_id: null, seq: null, data: { ticket: { id: 5, inbox_id: 1 }, changes: ["state"] } };

const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

test("a move unassigns only an agent who is no member of the new inbox", () => {
  const users = [
    { id: 1, role: "agent" as const },
    { id: 2, role: "admin" as const },
    { id: 3, role: "owner" as const },
  ];
  const members = [{ id: 7 }];
  assert.equal(unassignedByMove(1, members, users), 1);
  assert.equal(unassignedByMove(7, members, users), null);
  assert.equal(unassignedByMove(null, members, users), null);
  // Admins and owners see every inbox: the server keeps them, so the desk asks nothing.
  assert.equal(unassignedByMove(2, members, users), null);
  assert.equal(unassignedByMove(3, members, users), null);
});

test("only a ticket.updated naming the inbox says a ticket moved", () => {
  assert.equal(leftForInbox(moved), 5);
  assert.equal(leftForInbox(closed), null);
  assert.equal(leftForInbox({ type: "ticket.entry_added", data: moved.data }), null);
});

test("an open ticket that moved out of the agent's inboxes shows as moved, and comes back", async () => {
  setActivePinia(createPinia());
  const tickets = useTickets();
  visible = true;
  await tickets.loadTicket(5);
  assert.equal(tickets.details[5]?.subject, "Invoice");

  // Another change, then a 404: not a move, so not said to be one.
  visible = false;
  tickets.changed(closed);
  await settle();
  assert.equal(tickets.movedAway[5], undefined);

  tickets.changed(moved);
  await settle();
  assert.equal(tickets.movedAway[5], true);
  // What the agent saw stays, for the page to name the ticket.
  assert.equal(tickets.details[5]?.number, 1005);

  // Moved back into one of their inboxes: theirs again.
  visible = true;
  tickets.changed({ ...moved, data: { ...moved.data, ticket: { id: 5, inbox_id: 1 }, from_inbox_id: 2 } });
  await settle();
  assert.equal(tickets.movedAway[5], undefined);
});
