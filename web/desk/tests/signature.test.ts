// The signature line under the reply box (docs/desk.md, "Email signatures") says what the server
// will add: the same variables, filled the same way.

import assert from "node:assert/strict";
import test from "node:test";

const { filledSignature } = await import("../src/inboxes/signature");

test("fills the author's and the inbox's names, fallbacks when a value is missing", () => {
  const signature = "{{agent.first_name}} from {{ inbox.name }}\n{{agent.name|The team}}";
  assert.equal(filledSignature(signature, { authorName: "Ada Lovelace", inboxName: "Shop" }), "Ada from Shop\nAda Lovelace");
  assert.equal(filledSignature(signature, { authorName: "", inboxName: "Shop" }), "from Shop\nThe team");
});

test("no signature, or only spaces, is none", () => {
  assert.equal(filledSignature(null, { authorName: "Ada", inboxName: "Shop" }), null);
  assert.equal(filledSignature("  \n", { authorName: "Ada", inboxName: "Shop" }), null);
});

test("filled in one pass: a value that looks like a variable stays whole", () => {
  const signature = "{{agent.name}}\n{{inbox.name}}";
  // The server's test of the same (tests/mail/test_signatures.py) gives the same answers.
  assert.equal(filledSignature(signature, { authorName: null, inboxName: "Team {{agent.name}}" }), "Team {{agent.name}}");
  assert.equal(filledSignature(signature, { authorName: " ", inboxName: "Shop" }), "Shop");
  assert.equal(filledSignature("{{agent.name|The team}}", { authorName: null, inboxName: "Shop" }), "The team");
});

test("what the server reads as no variable is shown as written", () => {
  const long = `{{agent.name|${"x".repeat(201)}}}`;
  assert.equal(filledSignature(long, { authorName: "Ada", inboxName: "Shop" }), long);
  assert.equal(filledSignature("{{constructor}} {{agent.name|}}", { authorName: "Ada", inboxName: "Shop" }), "{{constructor}} {{agent.name|}}");
});

// The agent's own signature (Preferences): `{{agent.signature}}`, or alone where the inbox has
// none; a line it leaves empty goes, as on the server (tests/mail/test_signatures.py).
test("the agent's own signature fills its variable, and signs alone where the inbox has none", () => {
  const values = { authorName: "Ada Lovelace", inboxName: "Shop", authorSignature: "Ada\n\nLead" };
  assert.equal(filledSignature("{{agent.signature}}\n{{inbox.name}}", values), "Ada\n\nLead\nShop");
  assert.equal(filledSignature(null, values), "Ada\n\nLead");
  assert.equal(filledSignature("", { ...values, authorSignature: " {{agent.name}} " }), "{{agent.name}}");
  assert.equal(filledSignature(null, { ...values, authorSignature: "  " }), null);
  assert.equal(filledSignature("{{inbox.name}}", values), "Shop");
});

test("a line left without the agent's signature leaves no gap", () => {
  const sign = (signature: string) => filledSignature(signature, { authorName: "Ada Lovelace", inboxName: "Shop", authorSignature: null });
  assert.equal(sign("{{agent.signature}}\n{{inbox.name}}"), "Shop");
  assert.equal(sign("{{agent.name}}\n  {{agent.signature}}  \n{{inbox.name}}"), "Ada Lovelace\nShop");
  assert.equal(sign("{{agent.name}}\n\n{{agent.signature}}\n\n{{inbox.name}}"), "Ada Lovelace\n\nShop");
  assert.equal(sign("{{agent.name}}\n{{agent.signature}}\n\n{{inbox.name}}"), "Ada Lovelace\n\nShop");
  assert.equal(sign("{{agent.name}}\n\n\n{{inbox.name}}\n{{agent.signature}}"), "Ada Lovelace\n\n\nShop");
  assert.equal(sign("{{agent.name}}\nCall: {{agent.signature}}"), "Ada Lovelace\nCall:");
  assert.equal(sign("{{agent.signature|The Shop team}}\n{{inbox.name}}"), "The Shop team\nShop");
});
