// Settings → Inboxes (docs/desk.md, "Email signatures"): `inbox.updated` replaces the desk's copy
// of the inbox, for another admin's save as for this one's. The form used to be filled again from
// each copy, which wiped what the admin was typing and read the members again. It is filled when
// another inbox is picked; a change made elsewhere is taken in over a form left as it was, and over
// unsaved edits it is said ("Changed by someone else", Reload) while the admin's text stays.

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
  email_signature: "Support",
  created_at: "2026-12-05T09:00:00Z",
};
const other = { ...inbox, id: 4, name: "Sales", public_key: "in_def" };
// The server as an agent (not an admin) reads it: the form's own behaviour, no secret to re-read.
g.fetch = async () => new Response(JSON.stringify([inbox, other]), { status: 200, headers: { "Content-Type": "application/json" } });

const { createPinia, setActivePinia } = await import("pinia");
const { computed, nextTick, ref } = await import("vue");
const { useInboxes } = await import("../src/inboxes/store");
const { useInboxForm } = await import("../src/settings/inboxForm");
const { eventTable } = await import("../src/realtime/events");
type Inbox = import("../src/api/types").Inbox;

async function page() {
  setActivePinia(createPinia());
  const inboxes = useInboxes();
  await inboxes.load();
  const selectedId = ref(3);
  const selected = computed(() => inboxes.byId(selectedId.value) as Inbox | undefined);
  const switched: number[] = [];
  const form = useInboxForm(selected, (each) => switched.push(each.id));
  const heard = async (change: Record<string, unknown>) => {
    eventTable()["inbox.updated"]?.({ type: "inbox.updated", chat_id: null, seq: null, data: { inbox: { ...inbox, ...change }, changes: Object.keys(change) } });
    await nextTick();
  };
  return { selectedId, switched, heard, ...form };
}

test("another admin's save does not wipe what this one is typing", async () => {
  const { form, changedElsewhere, reload, switched, heard } = await page();
  assert.equal(form.value.name, "Support");
  assert.deepEqual(switched, [3]);

  form.value.signature = "Kind regards,\nThe support team";
  await heard({ name: "Help desk" });
  assert.equal(form.value.signature, "Kind regards,\nThe support team");
  assert.equal(form.value.name, "Support");
  assert.equal(changedElsewhere.value, true);
  // The members were not read again: the inbox picked is the same.
  assert.deepEqual(switched, [3]);

  reload();
  assert.equal(form.value.name, "Help desk");
  assert.equal(form.value.signature, "Support");
  assert.equal(changedElsewhere.value, false);
});

test("a form left as it was follows a change made elsewhere, without a notice", async () => {
  const { form, changedElsewhere, switched, heard, selectedId } = await page();
  await heard({ email_signature: "The team" });
  assert.equal(form.value.signature, "The team");
  assert.equal(changedElsewhere.value, false);

  // An edit that is the admin's own save coming back (their text as the server has it): no notice.
  form.value.name = "Helpdesk";
  await heard({ email_signature: "The team", name: "Helpdesk" });
  assert.equal(changedElsewhere.value, false);

  // Another inbox picked: its fields, and its members read.
  selectedId.value = 4;
  await nextTick();
  assert.equal(form.value.name, "Sales");
  assert.deepEqual(switched, [3, 4]);
});
