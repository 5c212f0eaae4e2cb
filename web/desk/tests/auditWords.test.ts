// The audit log's "Changes" column showed raw keys and values ("method: password",
// "shared_requests: false"), untranslated in French. Every key the server can write
// (src/audit/auditedKeys.json, checked against the server by tests/test_audit_keys_listed.py)
// has a name in English and French, and values read as words in the desk's language.

import assert from "node:assert/strict";
import test from "node:test";
import { g } from "./page";

g.fetch = async () => new Response("[]", { status: 200, headers: { "Content-Type": "application/json" } });

const keys = (await import("../src/audit/auditedKeys.json")).default as string[];
const { en, fr } = await import("../src/i18n/messages/audit");
const { switchLanguage, timeZone } = await import("../src/i18n");
const { changeLines } = await import("../src/audit/changeWords");
const { createPinia, setActivePinia } = await import("pinia");
const { describeCondition, describeWhen } = await import("../src/rules/describe");
const { describeAction } = await import("../src/macros/describe");
const { useLabels } = await import("../src/labels/store");
const { useStatuses } = await import("../src/statuses/store");
const { useFields } = await import("../src/fields/store");
const { useInboxes } = await import("../src/inboxes/store");
const { useUsers } = await import("../src/users/store");
setActivePinia(createPinia());

const names = {
  user: (id: number) => (id === 7 ? "Olga Owner" : undefined),
  inbox: (id: number) => (id === 3 ? "Support" : undefined),
};

test("every key the server audits has a name in English and in French", () => {
  assert.ok(keys.length > 100);
  const words = (catalogue: Record<string, unknown>) =>
    keys.filter((key) => typeof catalogue[`field_${key}`] !== "string" || !(catalogue[`field_${key}`] as string).trim());
  assert.deepEqual(words(en), []);
  assert.deepEqual(words(fr), []);
});

test("changes read as names and words, in English", async () => {
  await switchLanguage("en");
  timeZone.value = "UTC";
  assert.deepEqual(changeLines({ method: "password" }, names), ["Sign-in method: Password"]);
  assert.deepEqual(changeLines({ notes: "set", shared_requests: false }, names), ["Notes: Written", "Shared requests: Off"]);
  assert.deepEqual(changeLines({ role: ["admin", "agent"] }, names), ["Role: Admin → Agent"]);
  assert.deepEqual(changeLines({ is_active: [true, false] }, names), ["Active: Yes → No"]);
  assert.deepEqual(changeLines({ identity_secret: "changed" }, names), ["Identity secret: changed"]);
  assert.deepEqual(changeLines({ owner_id: [null, 7], inbox_id: [3, 99] }, names), ["Owner: — → Olga Owner", "Inbox: Support → #99"]);
  // A ticket moved carries the inboxes' names: their ids are not shown twice.
  assert.deepEqual(changeLines({ inbox: ["Support", "Sales"], inbox_id: [3, 4] }, names), ["Inbox: Support → Sales"]);
  assert.deepEqual(changeLines({ domains: ["a.example", "b.example"] }, names), ["Domains: a.example, b.example"]);
  assert.deepEqual(changeLines({ domains: [["a.example"], []] }, names), ["Domains: a.example → —"]);
  const expires = changeLines({ expires_at: "2027-01-05T09:30:00+00:00" }, names)[0];
  assert.ok(/^Expires: .*Jan.*5.*2027/.test(expires), expires);
  // A key this desk does not know yet reads as its own words, never as a blank.
  assert.deepEqual(changeLines({ max_wait_minutes: 5 }, names), ["Max wait minutes: 5"]);
  // What a row was created with, or deleted with, is its value alone.
  assert.deepEqual(changeLines({ name: [null, "Support"], enabled: [null, true] }, names, "webhook.created"), ["Name: Support", "Turned on: Yes"]);
  // "Status" was the word for ticket statuses too: a switch names itself another way.
  assert.deepEqual(changeLines({ enabled: [false, true] }, names, "rule.updated"), ["Turned on: No → Yes"]);
  assert.deepEqual(changeLines({ name: ["Support", null] }, names, "inbox.deleted"), ["Name: Support"]);
  assert.deepEqual(changeLines({ name: [null, "Support"] }, names, "inbox.updated"), ["Name: — → Support"]);
});

test("changes read as names and words, in French", async () => {
  await switchLanguage("fr");
  assert.deepEqual(changeLines({ method: "password" }, names), ["Méthode de connexion : Mot de passe"]);
  assert.deepEqual(changeLines({ notes: "set", shared_requests: true }, names), ["Notes : Renseigné", "Demandes partagées : Activé"]);
  assert.deepEqual(changeLines({ reason: "wrong_password" }, names), ["Raison : Mot de passe erroné"]);
  assert.deepEqual(changeLines({ max_wait_minutes: 5 }, names), ["Max wait minutes : 5"]);
  assert.deepEqual(changeLines({ enabled: [true, false] }, names, "webhook.updated"), ["Activé : Oui → Non"]);
  await switchLanguage("en");
});

// Structured values (a rule's conditions and actions, weekly hours, messenger settings, a view's
// filters) read as JSON, and ids of labels, statuses and the like as "#12". They read as the
// settings pages word them, the rules list's words reused; what is deleted since says so.
function fill(): Parameters<typeof changeLines>[1] {
  useLabels().items = [{ id: 1, name: "Billing", color: "#e0457b" }] as never;
  useStatuses().items = [{ id: 4, name: "Waiting on vendor", state: "hold", archived: false }] as never;
  useFields().items = [{ id: 2, object: "ticket", key: "plan", label: "Plan", kind: "list", options: ["Pro"], archived: false }] as never;
  useInboxes().items = [{ id: 3, name: "Support" }] as never;
  useUsers().items = [{ id: 7, name: "Olga Owner" }] as never;
  const find = (items: { id: number; name: string }[], id: number) => items.find((item) => item.id === id)?.name ?? null;
  return {
    user: (id) => find(useUsers().items, id),
    inbox: (id) => find(useInboxes().items, id),
    label: (id) => find(useLabels().items, id),
    status: (id) => find(useStatuses().items, id),
    category: (id) => find([{ id: 5, name: "Billing help" }], id),
    organisation: (id) => find([{ id: 6, name: "Example Labs" }], id),
    field: (key) => useFields().items.find((field) => field.key === key)?.label ?? null,
  };
}

const WEEK = ["mon", "tue", "wed", "thu", "fri"].map((day) => ({ day, opens: "09:00", closes: "17:00" }));

test("structured values read as the settings pages word them, in English", async () => {
  await switchLanguage("en");
  const read = fill();
  const lunch = [{ day: "mon", opens: "09:00", closes: "12:00" }, { day: "mon", opens: "13:00", closes: "17:00" }, ...WEEK.slice(1)];
  // A long before and after: the after on a line of its own, where the arrow cannot get lost.
  assert.deepEqual(changeLines({ weekly: [WEEK, [...lunch, { day: "sat", opens: "10:00", closes: "14:00" }]] }, read), [
    "Weekly hours: Mon–Fri 09:00–17:00\n→ Mon 09:00–12:00 and 13:00–17:00, Tue–Fri 09:00–17:00, Sat 10:00–14:00",
  ]);
  assert.deepEqual(changeLines({ weekly: [null, WEEK.slice(0, 2)] }, read, "hours.created"), ["Weekly hours: Mon–Tue 09:00–17:00"]);
  assert.deepEqual(changeLines({ weekly: [WEEK, []] }, read), ["Weekly hours: Mon–Fri 09:00–17:00 → closed all week"]);
  const holidays = [{ date: "2026-12-25", name: "Christmas", yearly: true }, { date: "2027-01-02", name: "", yearly: false }];
  assert.deepEqual(changeLines({ holidays: [[], holidays] }, read), ["Holidays: — → Dec 25 every year (Christmas), Jan 2, 2027"]);
  // Only the messenger settings that changed, each by its name in Settings → Messenger.
  assert.deepEqual(
    changeLines({ messenger_settings: [{ color: "#2952cc", greeting: "Hi" }, { color: "#e0457b", greeting: "Hi", typing_preview: "off" }] }, read),
    ["Messenger settings · Colour: #2952cc → #e0457b", "Messenger settings · Typing preview: — → Off"],
  );

  // A rule's moment, conditions and actions: the rules list's words, a deleted label said so.
  const conditions = [
    { field: "label", op: "has", value: 1 },
    { field: "status", op: "is", value: 4 },
    { field: "ticket_field", key: "plan", op: "is", value: "Pro" },
  ] as never[];
  const actions = [{ type: "label", add: [1] }, { type: "set_status", status_id: 4 }, { type: "assign", assignee: 7 }] as never[];
  const when = { type: "in_status", status_id: 4, hours: 24 } as never;
  const lines = changeLines({ when: [null, when], match: [null, "all"], conditions: [null, conditions], actions: [null, actions] }, read, "rule.created");
  assert.deepEqual(lines, [
    `When: ${describeWhen(when)}`,
    "Match: all of these hold",
    `Conditions: ${conditions.map((condition) => describeCondition(condition)).join("; ")}`,
    `Actions: ${actions.map((action) => describeAction(action)).join("; ")}`,
  ]);
  assert.equal(lines[0], "When: In a status for… 24 h: Waiting on vendor");
  assert.equal(lines[2], "Conditions: Label has “Billing”; Status is “Waiting on vendor”; Ticket field Plan is Pro");
  assert.equal(lines[3], "Actions: Add Billing; Set the status to Waiting on vendor; Assign to Olga Owner");
  assert.deepEqual(
    changeLines({ conditions: [[{ field: "label", op: "has", value: 12 }], []], actions: [[{ type: "set_status", status_id: 9 }], [{ type: "label", remove: [12] }]] }, read),
    ["Conditions: Label has “deleted label #12” → No condition: every ticket.", "Actions: Set the status to deleted status #9 → Remove deleted label #12"],
  );

  // Ids by name; one deleted since says so; one whose list was not read stays a number.
  assert.deepEqual(changeLines({ label_id: [1, 12], inbox_id: [3, 99] }, read), ["Label: Billing → deleted label #12", "Inbox: Support → deleted inbox #99"]);
  assert.deepEqual(changeLines({ category_id: [5, 8], organisation_id: [null, 6] }, read), ["Category: Billing help → deleted category #8", "Organisation: — → Example Labs"]);
  assert.deepEqual(changeLines({ label_id: [1, 12] }, names), ["Label: #1 → #12"]);
  assert.deepEqual(changeLines({ customer: 42 }, read), ["Customer: customer #42"]);

  // A view's filters and order, as the filter bar and the sort menu name them.
  const filters = { inbox_id: 3, state: ["open", "hold"], label_id: 1, mine: true, priority: ["urgent"], breaching: true, field: "plan:Pro", status_id: null };
  assert.deepEqual(changeLines({ filters: [null, filters], sort: [null, "-created_at"] }, read, "view.created"), [
    "Filters: Inbox: Support · State: Open, Hold · Label: Billing · Assignee: Me · Priority: Urgent · SLA breaching · Custom field: Plan Pro",
    "Sort: Created, newest first",
  ]);
  assert.deepEqual(changeLines({ page_rule: ["/pricing*", ""] }, read), ["Pages: /pricing* → Every page"]);
  // Something deeper this desk has no words for yet: its parts by name, never JSON.
  const deep = changeLines({ routing: [null, { steps: [{ to: 3 }], mode: "fair" }] }, read, "x.created")[0];
  assert.ok(!/[{}"[\]]/.test(deep), deep);
});

test("structured values read as the settings pages word them, in French", async () => {
  await switchLanguage("fr");
  const read = fill();
  assert.deepEqual(changeLines({ weekly: [null, [...WEEK, { day: "sun", opens: "22:00", closes: "02:00" }]] }, read, "hours.created"), [
    "Horaires de la semaine : lun.–ven. 09:00–17:00, dim. 22:00–02:00",
  ]);
  assert.deepEqual(changeLines({ messenger_settings: [{ greeting: "" }, { greeting: "Bonjour" }] }, read), ["Réglages du messenger · Message d'accueil : — → Bonjour"]);
  assert.deepEqual(changeLines({ label_id: [1, 12] }, read), ["Étiquette : Billing → étiquette supprimée n° 12"]);
  assert.deepEqual(changeLines({ conditions: [null, [{ field: "label", op: "has", value: 12 }]] }, read, "rule.created"), ["Conditions : Étiquette a «\u202fétiquette supprimée n° 12\u202f»"]);
  // French quotes a value in guillemets, in the rules list as here (it read “…” until 2026-12-07).
  assert.equal(describeCondition({ field: "label", op: "has", value: 1 }), "Étiquette a «\u202fBilling\u202f»");
  const plan = { field: "ticket_field", key: "note", op: "is", value: "Bonjour" } as never;
  useFields().items = [{ id: 5, object: "ticket", key: "note", label: "Note", kind: "text", options: [], archived: false }] as never;
  assert.equal(describeCondition(plan), "Champ du ticket Note est «\u202fBonjour\u202f»");
  assert.deepEqual(changeLines({ filters: [null, { inbox_id: 3, unassigned: true }] }, read, "view.created"), ["Filtres : Boîte : Support · Assigné à : Non assigné"]);
  await switchLanguage("en");
});
