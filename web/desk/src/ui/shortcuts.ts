/**
 * Keyboard shortcuts: one table (`SHORTCUTS`, which the help overlay lists and docs/desk.md
 * copies) and one keydown listener on the window. A component binds what a shortcut does while it
 * is on screen (`useShortcuts`); the latest binding of a shortcut wins, so a page can take over one
 * the app binds everywhere.
 *
 * The rules that keep shortcuts out of the way:
 * - Plain keys never fire while the agent types in a field (input, textarea, select, editable
 *   text): "n" is a letter there. The composer's own keys (Enter sends, Shift+Enter a new line)
 *   are handled by the composer; Escape in the composer leaves it, so that the next keys are
 *   shortcuts again.
 * - Nor while the focus is anywhere in a composer (`data-composer`: the reply box's tabs, its
 *   buttons, the chat's Send): an agent who starts typing there, the focus on the "Private note"
 *   tab, meant to write, and "r" used to move the rest of their note into the customer's reply.
 * - Single-key shortcuts (a letter, "?", "/", Shift+J, "g o") can be turned off in Preferences
 *   (WCAG 2.1.4): `singleKeyShortcuts`, kept in this browser's localStorage. Esc and the arrows
 *   keep working.
 * - No shortcut uses Ctrl, Alt or ⌘, which belong to the browser and the system (AltGr, which
 *   some layouts need for "?" or "/", is allowed).
 * - Nothing fires while a dialog is open (it has its own keys), and Escape does nothing here while
 *   a menu or popup is open: its own Escape closes it.
 */
import { onBeforeUnmount, onMounted, ref } from "vue";
import type { Key } from "../i18n";

export type ShortcutId =
  | "help"
  | "nextChat"
  | "previousChat"
  | "joinChat"
  | "minimiseChat"
  | "goVisitors"
  | "focusComposer"
  | "send"
  | "newLine"
  | "leaveComposer"
  | "savedReply"
  | "savedReplySlash"
  | "listDown"
  | "listUp"
  | "listOpen"
  | "goOpen"
  | "goMine"
  | "goUnassigned"
  | "goHold"
  | "goSnoozed"
  | "goClosed"
  | "newTicket"
  | "snooze";

export type ShortcutGroup = "shortcuts.groupGeneral" | "shortcuts.groupChats" | "shortcuts.groupComposer" | "shortcuts.groupTickets";

export interface Shortcut {
  id: ShortcutId;
  group: ShortcutGroup;
  /** What the agent presses: one or more alternatives, each a sequence of keys ("g o": g, then o). */
  keys: readonly string[];
  /** What it does, in the shortcuts catalogue. */
  label: Key;
  /** Handled by the element itself (the composer), listed here for the overlay only. */
  native?: boolean;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { id: "help", group: "shortcuts.groupGeneral", keys: ["?"], label: "shortcuts.help" },
  { id: "nextChat", group: "shortcuts.groupChats", keys: ["n"], label: "shortcuts.nextChat" },
  { id: "previousChat", group: "shortcuts.groupChats", keys: ["p"], label: "shortcuts.previousChat" },
  { id: "joinChat", group: "shortcuts.groupChats", keys: ["Shift+J"], label: "shortcuts.joinChat" },
  { id: "minimiseChat", group: "shortcuts.groupChats", keys: ["Escape"], label: "shortcuts.minimiseChat" },
  { id: "goVisitors", group: "shortcuts.groupChats", keys: ["g v"], label: "shortcuts.goVisitors" },
  { id: "focusComposer", group: "shortcuts.groupComposer", keys: ["r"], label: "shortcuts.focusComposer" },
  { id: "send", group: "shortcuts.groupComposer", keys: ["Enter"], label: "shortcuts.send", native: true },
  { id: "newLine", group: "shortcuts.groupComposer", keys: ["Shift+Enter"], label: "shortcuts.newLine", native: true },
  { id: "leaveComposer", group: "shortcuts.groupComposer", keys: ["Escape"], label: "shortcuts.leaveComposer" },
  { id: "savedReply", group: "shortcuts.groupComposer", keys: ["s"], label: "shortcuts.savedReply" },
  { id: "savedReplySlash", group: "shortcuts.groupComposer", keys: ["/"], label: "shortcuts.savedReplySlash", native: true },
  { id: "listDown", group: "shortcuts.groupTickets", keys: ["j", "ArrowDown"], label: "shortcuts.listDown" },
  { id: "listUp", group: "shortcuts.groupTickets", keys: ["k", "ArrowUp"], label: "shortcuts.listUp" },
  { id: "listOpen", group: "shortcuts.groupTickets", keys: ["Enter"], label: "shortcuts.listOpen", native: true },
  { id: "goOpen", group: "shortcuts.groupTickets", keys: ["g o"], label: "shortcuts.goOpen" },
  { id: "goMine", group: "shortcuts.groupTickets", keys: ["g m"], label: "shortcuts.goMine" },
  { id: "goUnassigned", group: "shortcuts.groupTickets", keys: ["g u"], label: "shortcuts.goUnassigned" },
  { id: "goHold", group: "shortcuts.groupTickets", keys: ["g h"], label: "shortcuts.goHold" },
  { id: "goSnoozed", group: "shortcuts.groupTickets", keys: ["g s"], label: "shortcuts.goSnoozed" },
  { id: "goClosed", group: "shortcuts.groupTickets", keys: ["g c"], label: "shortcuts.goClosed" },
  { id: "newTicket", group: "shortcuts.groupTickets", keys: ["c"], label: "shortcuts.newTicket" },
  { id: "snooze", group: "shortcuts.groupTickets", keys: ["z"], label: "shortcuts.snooze" },
];

/** Whether a key (as SHORTCUTS write them) types a character: what the preference turns off. */
export function typesCharacter(keys: string): boolean {
  return keys.length === 1 || /^Shift\+.$/.test(keys) || keys.includes(" ");
}

const STORED = "frontdesk:single-key-shortcuts";
function storedPreference(): boolean {
  try {
    return window.localStorage.getItem(STORED) !== "off";
  } catch {
    return true; // storage refused (a privacy setting): the default
  }
}
/** The agent's preference in this browser: single-key shortcuts on (the default) or off. */
export const singleKeyShortcuts = ref(storedPreference());
export function setSingleKeyShortcuts(on: boolean): void {
  singleKeyShortcuts.value = on;
  try {
    if (on) window.localStorage.removeItem(STORED);
    else window.localStorage.setItem(STORED, "off");
  } catch {
    // Not kept past this page: the choice still holds until it is reloaded.
  }
}
// Another tab of the desk changed it.
window.addEventListener("storage", (event) => {
  if (event.key === STORED || event.key === null) singleKeyShortcuts.value = storedPreference();
});

/** A handler returns false when it had nothing to do: the key then does what it would have. */
export type Handler = (event: KeyboardEvent) => boolean | void;
export type Bindings = Partial<Record<ShortcutId, Handler>>;

const bound: Bindings[] = [];

/** Binds handlers until the returned function is called. */
export function bindShortcuts(bindings: Bindings): () => void {
  bound.push(bindings);
  return () => {
    const at = bound.indexOf(bindings);
    if (at >= 0) bound.splice(at, 1);
  };
}

/** Binds handlers while the calling component is mounted. */
export function useShortcuts(bindings: Bindings): void {
  let unbind: (() => void) | null = null;
  onMounted(() => (unbind = bindShortcuts(bindings)));
  onBeforeUnmount(() => unbind?.());
}

function handlerOf(id: ShortcutId): Handler | undefined {
  for (let i = bound.length - 1; i >= 0; i -= 1) {
    const handler = bound[i]?.[id];
    if (handler) return handler;
  }
  return undefined;
}

/** "Shift+J" for Shift and j; "?" for whatever the layout types "?" with. */
function keyName(event: KeyboardEvent): string {
  const key = event.key;
  // Shift is part of most printable keys already ("?" is Shift+/ on one layout, Shift+, on
  // another): only named keys and letters spell it out.
  return event.shiftKey && (key.length > 1 || /^[A-Z]$/.test(key)) ? `Shift+${key}` : key;
}

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["button", "checkbox", "radio", "submit", "reset", "color", "range", "file", "image"].includes(target.type);
  }
  return false;
}

/** The ticket page's reply box: a composer as the chat window's (`composer`) is. */
export const REPLY_COMPOSER = "reply-text";
const COMPOSERS = new Set(["composer", REPLY_COMPOSER]);

const SEQUENCE_MS = 1500;
/**
 * Whether a menu or popup was open when the key went down. Read before any other listener runs
 * (capture on the window): a menu's own Escape closes it, and Vue updates the page between
 * listeners, so by the time this module's listener hears the key the menu looks closed already.
 */
let popupWasOpen = false;
function beforeOthers(): void {
  popupWasOpen = document.querySelector('[aria-expanded="true"]') !== null;
}
let pending: { key: string; at: number } | null = null;

function onKeydown(event: KeyboardEvent): void {
  if (event.defaultPrevented || event.isComposing) return;
  const altGraph = event.getModifierState?.("AltGraph") ?? false;
  if (event.metaKey || ((event.ctrlKey || event.altKey) && !altGraph)) return;
  // A closed <dialog> (ConfirmDialog waits in the page, role and all) is no dialog open.
  if (document.querySelector('dialog[open], [role="dialog"]:not(dialog), [role="alertdialog"]:not(dialog)')) return;

  const key = keyName(event);
  if (isTyping(event.target)) {
    // The composer's way out: Escape leaves it, the keys after it are shortcuts again.
    if (key === "Escape" && COMPOSERS.has((event.target as HTMLElement).id)) run("leaveComposer", event);
    return;
  }
  if (key === "Escape" && popupWasOpen) return;
  // In a composer (on its tabs or buttons) a character is the start of what the agent writes.
  const inComposer = (event.target as Element | null)?.closest?.("[data-composer]") != null;
  const allowed = (keys: string) => !typesCharacter(keys) || (singleKeyShortcuts.value && !inComposer);

  const now = Date.now();
  const sequence = pending && now - pending.at < SEQUENCE_MS ? `${pending.key} ${key}` : null;
  pending = null;
  const wanted = SHORTCUTS.filter((s) => !s.native && s.keys.some((k) => (k === sequence || k === key) && allowed(k)));
  // A sequence beats the single key it ends with.
  wanted.sort((a, b) => Number(b.keys.includes(sequence ?? "")) - Number(a.keys.includes(sequence ?? "")));
  for (const shortcut of wanted) if (run(shortcut.id, event)) return;
  if (allowed(key) && SHORTCUTS.some((s) => s.keys.some((k) => k.startsWith(`${key} `)))) pending = { key, at: now };
}

function run(id: ShortcutId, event: KeyboardEvent): boolean {
  const handler = handlerOf(id);
  if (!handler || handler(event) === false) return false;
  event.preventDefault();
  return true;
}

/** Listens on the window from now on; the returned function stops it. */
export function startShortcuts(): () => void {
  window.addEventListener("keydown", beforeOthers, true);
  window.addEventListener("keydown", onKeydown);
  return () => {
    window.removeEventListener("keydown", beforeOthers, true);
    window.removeEventListener("keydown", onKeydown);
  };
}

/** Clicks the element a shortcut targets (`data-shortcut="…"`), if it is there and enabled. */
export function clickTarget(name: string): boolean {
  const element = document.querySelector<HTMLElement>(`[data-shortcut="${name}"]`);
  if (!element || (element as HTMLButtonElement).disabled) return false;
  element.click();
  return true;
}
