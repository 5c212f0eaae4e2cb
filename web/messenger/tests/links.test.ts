// Web addresses in messages become links; nothing else does, and no text is lost.

import assert from "node:assert/strict";
import test from "node:test";
import { linkParts } from "../src/links";

test("an address in a sentence is a link, without the sentence's punctuation", () => {
  assert.deepEqual(linkParts("Your order: https://shop.example/orders/123. Thanks!"), [
    { text: "Your order: " },
    { text: "https://shop.example/orders/123", href: "https://shop.example/orders/123" },
    { text: ". Thanks!" },
  ]);
  assert.deepEqual(linkParts("(see http://a.example/x?y=1&z=2)"), [
    { text: "(see " },
    { text: "http://a.example/x?y=1&z=2", href: "http://a.example/x?y=1&z=2" },
    { text: ")" },
  ]);
  assert.deepEqual(linkParts("https://en.wikipedia.org/wiki/Foo_(bar), ok"), [
    { text: "https://en.wikipedia.org/wiki/Foo_(bar)", href: "https://en.wikipedia.org/wiki/Foo_(bar)" },
    { text: ", ok" },
  ]);
});

test("only http and https addresses become links", () => {
  for (const text of ["javascript:alert(1)", "data:text/html,hi", "ftp://files.example/a", "www.example.com", "no link"]) {
    assert.deepEqual(linkParts(text), [{ text }]);
  }
  assert.deepEqual(linkParts(""), []);
});

test("the parts put back together are the message", () => {
  const text = "a https://x.example b\nhttps://y.example/ü?q=\"c\" end";
  assert.equal(linkParts(text).map((part) => part.text).join(""), text);
});
