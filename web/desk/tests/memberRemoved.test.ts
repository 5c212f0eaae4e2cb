// What an admin reads after taking an agent out of an inbox (docs/desk.md, "Preferences and
// settings"): the server unassigns the agent's tickets there that were not closed and says how
// many; none, and the message is the plain one.

import assert from "node:assert/strict";
import test from "node:test";
import "./page";

const { loadWords, locale } = await import("../src/i18n");
// The French words are a chunk of their own, fetched before a test shows the desk in French.
await loadWords("fr");
const { removedMessage } = await import("../src/inboxes/members");

test("says how many of their tickets were unassigned, in the agent's language", () => {
  locale.value = "en";
  assert.equal(removedMessage("Grace Hopper", 0), "Grace Hopper was removed.");
  assert.equal(
    removedMessage("Grace Hopper", 1),
    "Grace Hopper was removed, and 1 of their tickets here (open, on hold or snoozed) is unassigned now.",
  );
  assert.equal(
    removedMessage("Grace Hopper", 3),
    "Grace Hopper was removed, and 3 of their tickets here (open, on hold or snoozed) are unassigned now.",
  );
  locale.value = "fr";
  assert.equal(
    removedMessage("Grace Hopper", 3),
    "Grace Hopper a été retiré(e), et 3 de ses tickets ici (ouverts, en attente ou reportés) ne sont plus assignés.",
  );
  locale.value = "en";
});
