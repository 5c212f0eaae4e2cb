// prefers-reduced-motion turns every animation and transition of the messenger off: the panel's
// rise, the launcher's turn, and the waiting and typing dots that blinked on (docs/messenger.md,
// "Accessibility"). Read from the stylesheet as shipped: a rule that animates and escapes the
// reduced-motion block fails here, whoever adds it.

import assert from "node:assert/strict";
import test from "node:test";
import css from "../src/style.css?inline";

interface Rule {
  selector: string;
  body: string;
  /** The at-rules it is inside, outermost first ("@media (prefers-reduced-motion: reduce)"). */
  within: string[];
}

/** The style rules of a stylesheet, with the at-rules around each (keyframes left out). */
function rules(text: string): Rule[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "");
  const found: Rule[] = [];
  const open: string[] = [];
  let start = 0;
  for (let at = 0; at < code.length; at += 1) {
    const char = code[at];
    if (char === "{") {
      const prelude = code.slice(start, at).trim();
      if (prelude.startsWith("@")) {
        open.push(prelude);
        start = at + 1;
        continue;
      }
      const end = code.indexOf("}", at);
      if (!open.some((outer) => outer.startsWith("@keyframes"))) {
        found.push({ selector: prelude, body: code.slice(at + 1, end), within: [...open] });
      }
      at = end;
      start = end + 1;
    } else if (char === "}") {
      open.pop();
      start = at + 1;
    }
  }
  return found;
}

const reduced = (rule: Rule) => rule.within.some((outer) => /prefers-reduced-motion:\s*reduce/.test(outer));
const declares = (body: string, property: string) =>
  new RegExp(`(^|;)\\s*${property}\\s*:\\s*(?!none\\b)`, "i").test(body);
const turnsOff = (body: string, property: string) =>
  new RegExp(`(^|;)\\s*${property}\\s*:\\s*none\\s*!important`, "i").test(body);

function moving(all: Rule[]): string[] {
  return all
    .filter((rule) => !reduced(rule) && (declares(rule.body, "animation") || declares(rule.body, "transition")))
    .map((rule) => rule.selector);
}

/** What still moves under reduced motion: every animated rule, less what the block turns off. */
function stillMoving(all: Rule[]): string[] {
  const stops = all.filter(reduced);
  const everything = stops.some(
    (rule) =>
      rule.selector.split(",").some((part) => part.trim() === "*") &&
      turnsOff(rule.body, "animation") &&
      turnsOff(rule.body, "transition"),
  );
  if (everything) return [];
  const stopped = new Set(
    stops
      .filter((rule) => /animation\s*:\s*none/.test(rule.body) && /transition\s*:\s*none/.test(rule.body))
      .flatMap((rule) => rule.selector.split(",").map((part) => part.trim())),
  );
  return moving(all).filter((selector) => selector.split(",").some((part) => !stopped.has(part.trim())));
}

test("the stylesheet's animations are found: the dots blink, the panel rises", () => {
  const animated = moving(rules(css));
  assert.ok(animated.includes(".dots i"), animated.join(" | "));
  assert.ok(animated.includes(".panel"), animated.join(" | "));
});

test("under prefers-reduced-motion nothing moves", () => {
  assert.deepEqual(stillMoving(rules(css)), []);
});

test("a rule left out of the reduced-motion block is caught", () => {
  const sheet = `.a { animation: spin 1s infinite; }
.b { transition: opacity 0.2s; }
@media (prefers-reduced-motion: reduce) { .a { animation: none; transition: none; } }`;
  assert.deepEqual(stillMoving(rules(sheet)), [".b"]);
  const all = `${sheet}\n@media (prefers-reduced-motion: reduce) { *, *::before { animation: none !important; transition: none !important; } }`;
  assert.deepEqual(stillMoving(rules(all)), []);
});
