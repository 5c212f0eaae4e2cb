/**
 * `v-commit-select`: a select that acts as soon as it changes (a ticket's assignee, a user's role,
 * a bulk action) does not act while the agent only browses its options with the keyboard.
 *
 * Chromium on Linux and Windows changes a closed select's value on ↑, ↓, Home, End or a typed
 * letter and fires `change` at once, so a ↓ on the focused Assignee select used to reassign the
 * ticket. With this directive:
 * - A value chosen with the pointer, or in the open list (Alt+↓, then Enter), applies at once, as
 *   before: one click.
 * - A value reached by browsing the closed select waits: the select turns dashed and a hint says
 *   "Press Enter to apply". Enter applies it; Esc puts the old value back; leaving the select
 *   applies it (the value shown is the value kept, as in any field), or, for an action select
 *   (`v-commit-select:action`, the bulk bar's), puts the old value back: an action never runs
 *   because the focus moved on.
 *
 * The component's own `@change` (or `v-model`) is untouched: the directive holds back the
 * browser's `change` while the value waits, and sends one when it applies.
 * docs/desk.md, "Keyboard and accessibility", says the same to agents.
 */
import type { Directive } from "vue";
import { t } from "../i18n";

const BROWSING_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"]);

interface Held {
  /** The value before browsing began. */
  before: string;
  /** A browsing key went down in this task: a `change` now is the browser's answer to it. */
  browsing: boolean;
  /** A browsed value waits for Enter. */
  waiting: boolean;
  /** The value waiting, kept across the page's redraws. */
  shown: string;
  /** What leaving the select does with a waiting value. */
  onLeave: "apply" | "undo";
  listeners: [string, EventListener, boolean][];
}

const held = new WeakMap<HTMLSelectElement, Held>();
/** The `change` events this module sends itself: let through. */
const ours = new WeakSet<Event>();

/** One polite status line for every select, shown under the one waiting. */
let hint: HTMLElement | null = null;
function hintElement(): HTMLElement {
  if (!hint || !hint.isConnected) {
    hint = document.createElement("div");
    hint.id = "select-hint";
    hint.className = "select-hint";
    // Polite, as a status line, without the role: a page's one "status" stays its own.
    hint.setAttribute("aria-live", "polite");
    document.body.append(hint);
  }
  return hint;
}
function showHint(select: HTMLSelectElement, state: Held): void {
  const line = hintElement();
  const box = select.getBoundingClientRect();
  line.style.left = `${Math.round(box.left)}px`;
  line.style.top = `${Math.round(box.bottom + 4)}px`;
  line.textContent = state.onLeave === "apply" ? t("common.selectWaiting") : t("common.selectWaitingAction");
}
function hideHint(): void {
  if (hint) hint.textContent = "";
}

function settle(select: HTMLSelectElement, state: Held): void {
  state.waiting = false;
  select.classList.remove("choosing");
  hideHint();
}

function apply(select: HTMLSelectElement, state: Held): void {
  settle(select, state);
  if (select.value === state.before) return;
  state.before = select.value;
  const event = new Event("change", { bubbles: true });
  ours.add(event);
  select.dispatchEvent(event);
}

function undo(select: HTMLSelectElement, state: Held): void {
  settle(select, state);
  select.value = state.before;
}

function attach(select: HTMLSelectElement, onLeave: Held["onLeave"]): void {
  const state: Held = { before: select.value, browsing: false, waiting: false, shown: "", onLeave, listeners: [] };
  held.set(select, state);
  // There before it speaks: a status line added with its words in it may not be read out.
  hintElement();
  const on = (type: string, listener: (event: Event) => void, capture = false) => {
    select.addEventListener(type, listener, capture);
    state.listeners.push([type, listener, capture]);
  };
  on("keydown", (event) => {
    const key = event as KeyboardEvent;
    if (state.waiting && key.key === "Enter") {
      key.preventDefault();
      apply(select, state);
    } else if (state.waiting && key.key === "Escape") {
      key.preventDefault();
      key.stopPropagation();
      undo(select, state);
    } else if (!key.altKey && !key.ctrlKey && !key.metaKey && (BROWSING_KEYS.has(key.key) || key.key.length === 1)) {
      if (!state.waiting) state.before = select.value;
      state.browsing = true;
      // The browser's `change` comes in this task, after the listeners; a later one is not ours.
      window.setTimeout(() => (state.browsing = false), 0);
    }
  });
  // Capture, on the select itself: heard before the component's own listeners, which it stops.
  on(
    "change",
    (event) => {
      if (ours.has(event)) return;
      if (!state.browsing) {
        // Chosen with the pointer or in the open list: applies now.
        settle(select, state);
        state.before = select.value;
        return;
      }
      event.stopImmediatePropagation();
      if (select.value === state.before) {
        settle(select, state);
        return;
      }
      state.waiting = true;
      state.shown = select.value;
      select.classList.add("choosing");
      showHint(select, state);
    },
    true,
  );
  on("blur", () => {
    if (!state.waiting) return;
    if (state.onLeave === "apply") apply(select, state);
    else undo(select, state);
  });
}

export const vCommitSelect: Directive<HTMLSelectElement, unknown> = {
  mounted(select, binding) {
    attach(select, binding.arg === "action" ? "undo" : "apply");
  },
  updated(select) {
    // The page drew again (the ticket reloaded, a colleague reassigned it): Vue sets the select
    // to the page's value, which is now the one to go back to; a value waiting stays on screen.
    const state = held.get(select);
    if (!state) return;
    if (!state.waiting) state.before = select.value;
    else if (select.value !== state.shown) {
      state.before = select.value;
      select.value = state.shown;
    }
  },
  beforeUnmount(select) {
    const state = held.get(select);
    if (!state) return;
    if (state.waiting) settle(select, state);
    for (const [type, listener, capture] of state.listeners) select.removeEventListener(type, listener, capture);
    held.delete(select);
  },
};
