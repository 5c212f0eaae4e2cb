// The messenger cleans an article's HTML again before it joins the page: only the server's tags,
// only safe addresses, no event attribute, whatever the server sent.

import assert from "node:assert/strict";
import test from "node:test";
import { keepsAttribute, keepsTag } from "../src/help";

test("only plain markup tags are kept", () => {
  for (const tag of ["p", "A", "img", "table", "td", "h2", "pre", "code"]) assert.ok(keepsTag(tag), tag);
  for (const tag of ["script", "style", "iframe", "svg", "object", "form", "input", "math", "link"]) {
    assert.equal(keepsTag(tag), false, tag);
  }
});

test("addresses are kept only when http, https or mailto, in any case and with spaces around", () => {
  assert.ok(keepsAttribute("a", "href", "https://example.org/a"));
  assert.ok(keepsAttribute("a", "href", "  HTTP://example.org"));
  assert.ok(keepsAttribute("a", "href", "mailto:help@example.org"));
  assert.ok(keepsAttribute("img", "src", "https://example.org/a.png"));
  // What the browser hands over is decoded: `&#106;avascript:` arrives as `javascript:`.
  for (const bad of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x", "data:text/html,x", "vbscript:x", "/relative", "java\tscript:x"]) {
    assert.equal(keepsAttribute("a", "href", bad), false, bad);
    assert.equal(keepsAttribute("img", "src", bad), false, bad);
  }
});

test("event attributes, styles and other classes go; alt, title and a cell's alignment stay", () => {
  for (const name of ["onerror", "onclick", "onmouseover", "style", "id", "srcset", "formaction"]) {
    assert.equal(keepsAttribute("img", name, "alert(1)"), false, name);
  }
  assert.ok(keepsAttribute("img", "alt", 'a " onerror="x'));
  assert.ok(keepsAttribute("a", "title", "Read more"));
  assert.ok(keepsAttribute("td", "class", "align-center"));
  assert.equal(keepsAttribute("td", "class", "align-center evil"), false);
  assert.equal(keepsAttribute("p", "class", "align-center"), false);
});
