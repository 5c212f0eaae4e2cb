// An inbox's settings changed by an admin (docs/desk.md, "Email signatures"): `inbox.updated`
// replaces the inbox the desk holds, so the signature line under an open reply box shows the
// new signature without a reload. The event never carries the identity secret: an admin's desk
// reads the inbox again, for a save may have set a new secret with the rest (the old one stayed,
// shown and copied as the inbox's).

import assert from "node:assert/strict";
import test from "node:test";
import { g } from "./page";

const inbox = {
  id: 3,
  name: "Support",
  email_address: "help@shop.test",
  public_key: "in_abc",
  unanswered_timeout_seconds: 300,
  allowed_origins: [],
  require_identity: false,
  messenger_settings: {},
  retention_days: null,
  email_signature: "{{agent.first_name}}\nSupport",
  created_at: "2026-12-05T09:00:00Z",
};
// The server as an admin reads it: the list, and one inbox (its secret as it is now).
const secret = "s".repeat(32);
let secretNow = secret;
const read: string[] = [];
g.fetch = async (request: Request) => {
  const path = new URL(request.url).pathname;
  read.push(path);
  const body = path === "/api/v1/inboxes" ? [{ ...inbox, identity_secret: secret }] : { ...inbox, name: "Help", identity_secret: secretNow };
  return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
};

const { createPinia, setActivePinia } = await import("pinia");
const { computed } = await import("vue");
const { useInboxes } = await import("../src/inboxes/store");
const { filledSignature } = await import("../src/inboxes/signature");
const { eventTable } = await import("../src/realtime/events");

test("the reply box's signature follows an admin's edit at once", async () => {
  setActivePinia(createPinia());
  const inboxes = useInboxes();
  await inboxes.load();
  // As the reply box computes it (tickets/TicketPage.vue).
  const preview = computed(() => {
    const held = inboxes.byId(3);
    return held ? filledSignature(held.email_signature, { authorName: "Ada Lovelace", inboxName: held.name }) : null;
  });
  assert.equal(preview.value, "Ada\nSupport");

  const table = eventTable();
  const edited = { ...inbox, name: "Help", email_signature: "{{agent.name}}, {{inbox.name}}" };
  table["inbox.updated"]?.({ type: "inbox.updated", chat_id: null, seq: null, data: { inbox: edited, changes: ["name", "email_signature"] } });
  assert.equal(preview.value, "Ada Lovelace, Help");
  assert.equal(inboxes.byId(3)?.identity_secret, secret);

  // An inbox this desk does not hold is not added by it (membership has its own event).
  table["inbox.updated"]?.({ type: "inbox.updated", chat_id: null, seq: null, data: { inbox: { ...inbox, id: 9 }, changes: ["name"] } });
  assert.deepEqual(inboxes.items.map((each) => each.id), [3]);
});

test("an admin's desk reads the inbox again: a new identity secret saved with the rest shows", async () => {
  setActivePinia(createPinia());
  const inboxes = useInboxes();
  await inboxes.load();
  read.length = 0;
  secretNow = "t".repeat(32);
  const edited = { ...inbox, name: "Help" };
  eventTable()["inbox.updated"]?.({ type: "inbox.updated", chat_id: null, seq: null, data: { inbox: edited, changes: ["name"] } });
  for (let turn = 0; turn < 20 && inboxes.byId(3)?.identity_secret !== secretNow; turn++) await new Promise<void>((resolve) => setImmediate(() => resolve()));
  assert.equal(inboxes.byId(3)?.identity_secret, "t".repeat(32));
  assert.equal(inboxes.byId(3)?.name, "Help");
  assert.deepEqual(read, ["/api/v1/inboxes/3"]);
});
