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
  assert.deepEqual(changeLines({ name: [null, "Support"], enabled: [null, true] }, names, "webhook.created"), ["Name: Support", "Status: On"]);
  assert.deepEqual(changeLines({ name: ["Support", null] }, names, "inbox.deleted"), ["Name: Support"]);
  assert.deepEqual(changeLines({ name: [null, "Support"] }, names, "inbox.updated"), ["Name: — → Support"]);
});

test("changes read as names and words, in French", async () => {
  await switchLanguage("fr");
  assert.deepEqual(changeLines({ method: "password" }, names), ["Méthode de connexion : Mot de passe"]);
  assert.deepEqual(changeLines({ notes: "set", shared_requests: true }, names), ["Notes : Renseigné", "Demandes partagées : Activé"]);
  assert.deepEqual(changeLines({ reason: "wrong_password" }, names), ["Raison : Mot de passe erroné"]);
  assert.deepEqual(changeLines({ max_wait_minutes: 5 }, names), ["Max wait minutes : 5"]);
  await switchLanguage("en");
});
