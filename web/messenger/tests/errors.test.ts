// The words a visitor reads for a refused form: from the server's stable codes, never its English.

import assert from "node:assert/strict";
import test from "node:test";
import { errorText, formProblems } from "../src/errors";
import { addWords, translator } from "../src/i18n";
import { fr as french } from "../src/i18n-fr";
import { ApiError } from "../src/net";

// The French words come in a script of their own in the browser (messenger-fr.js).
addWords("fr", french);
const en = translator("en");
const fr = translator("fr");

function invalid(...fields: { field: string; code: string; limit?: number }[]): ApiError {
  const english = fields.map((f) => ({ ...f, message: "value is not a valid email address: …" }));
  return new ApiError("invalid", "the server's English", 422, 0, english);
}

test("each refused field gets its own words, in the visitor's language", () => {
  const error = invalid(
    { field: "name", code: "too_long", limit: 200 },
    { field: "email", code: "email_unroutable" },
  );
  assert.deepEqual(formProblems(en, error), [
    { field: "name", text: "That's too long: at most 200 characters." },
    { field: "email", text: "That email address can't receive mail. Check it for typos." },
  ]);
  assert.deepEqual(formProblems(fr, error)[0], {
    field: "name",
    text: "C'est trop long : 200 caractères au maximum.",
  });
});

test("a message over the server's limit is about the message field", () => {
  const error = new ApiError("message_too_long", "Messages are limited to 300 characters.", 422, 0, [
    { field: "text", code: "too_long", limit: 300 },
  ]);
  assert.deepEqual(formProblems(en, error), [
    { field: "text", text: "That's too long: at most 300 characters." },
  ]);
  assert.equal(errorText(en, error), "That's too long: at most 300 characters.");
});

test("refusals about the address go under the email field", () => {
  const unsigned = new ApiError("identity_unverified", "This inbox only takes …", 403);
  assert.equal(formProblems(en, unsigned)[0]!.field, "email");
  const limited = new ApiError("unconfirmed_email_limit", "Too many …", 429, 1800);
  assert.deepEqual(formProblems(en, limited), [
    {
      field: "email",
      text: "Too many chats with an email address came from your network. Leave it out, or try again in 30 min.",
    },
  ]);
});

test("what no field can fix goes above the form, in the messenger's words", () => {
  // A form is not sent again by itself: the visitor is told to send it again, not to wait.
  assert.deepEqual(formProblems(en, new ApiError("network", "", 0)), [
    { text: "Can't reach the server. Check your connection, then send again: what you wrote is kept." },
  ]);
  assert.deepEqual(formProblems(en, new TypeError("Failed to fetch")), formProblems(en, new ApiError("network", "", 0)));
  assert.deepEqual(formProblems(fr, new ApiError("no_agents_online", "Nobody is online…", 409)), [
    { text: "Tout le monde vient de se déconnecter. Laissez un message, nous répondrons par e-mail." },
  ]);
  const original = console.warn;
  console.warn = () => undefined;
  try {
    const unknown = new ApiError("something_new", "An English sentence", 400);
    assert.deepEqual(formProblems(en, unknown), [
      { text: "Something went wrong on our side. Please try again in a moment." },
    ]);
  } finally {
    console.warn = original;
  }
});

test("a blocked visitor reads a neutral sentence, not the refusal's code or English", () => {
  const blocked = new ApiError("visitor_blocked", "You can't start a conversation right now.", 403);
  assert.deepEqual(formProblems(en, blocked), [{ text: "You can't start a conversation right now." }]);
  assert.deepEqual(formProblems(fr, blocked), [
    { text: "Vous ne pouvez pas démarrer de conversation pour le moment." },
  ]);
});
