// One apostrophe in the desk's French words: the straight one ('), which most of the French
// catalogue, the messenger's words and the server's French mail use. A notification put together
// from two catalogues ("… n’a pas été envoyée. Vous n'avez plus accès …") showed both.

import assert from "node:assert/strict";
import test from "node:test";

type Message = string | { one: string; other: string };
const modules = import.meta.glob<{ fr?: Record<string, Message> }>("../src/i18n/messages/*.ts", { eager: true });

test("no French word of the desk uses the typographic apostrophe", () => {
  const found: string[] = [];
  for (const [path, module] of Object.entries(modules)) {
    const fr = module.fr;
    if (!fr) throw new Error(`${path} has no French words`);
    for (const [key, message] of Object.entries(fr)) {
      const texts = typeof message === "string" ? [message] : [message.one, message.other];
      if (texts.some((text) => text.includes("’"))) found.push(`${path.split("/").pop()} ${key}`);
    }
  }
  assert.ok(Object.keys(modules).length > 30);
  assert.deepEqual(found, []);
});
