// The embed: finds its own <script>, turns the `window.frontdesk` command queue into the API, and
// runs what the page queued before we loaded, in order. No other global is created.

// Imported first only to come first in the bundle: the stylesheet and the words, ahead of the
// code, gzip smaller (docs/performance.md, "The messenger's size"). Neither runs anything.
import "./style.css?inline";
import "./i18n";
import { Messenger, type Identity } from "./messenger";
import type { Config } from "./view";

type Command = ((api: Api) => void) | [string, ...unknown[]];

interface Api extends Methods {
  push(command: Command): void;
  messenger: Methods;
}

type Methods = ReturnType<typeof methods>;

declare global {
  interface Window {
    frontdesk?: Command[] | Api;
  }
}

function methods(m: Messenger) {
  return {
    identify: (identity: Identity) => m.identify(identity),
    clearIdentity: () => m.clearIdentity(),
    open: () => m.open(),
    close: () => m.close(),
    toggle: () => m.toggle(),
    hide: () => m.hide(),
    show: () => m.show(),
    config: (options: Config) => m.config(options),
    on: (event: string, fn: (data?: unknown) => void) => m.on(event, fn),
    off: (event: string, fn: (data?: unknown) => void) => m.off(event, fn),
    unreadCount: () => m.unreadCount(),
  };
}

function ownScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.inbox) return current;
  // currentScript is null when the bundle was injected by another script after the fact.
  return document.querySelector<HTMLScriptElement>("script[data-inbox][src*='messenger']");
}

function run(api: Api, command: Command): void {
  try {
    if (typeof command === "function") command(api);
    else if (Array.isArray(command)) {
      const [name, ...args] = command;
      const method = (api.messenger as Record<string, unknown>)[name];
      if (typeof method === "function") method(...args);
      else console.warn("frontdesk: unknown command", name);
    }
  } catch (error) {
    console.error("frontdesk: a queued command failed", error);
  }
}

function colorScheme(value: string | undefined): Config["colorScheme"] {
  return value === "light" || value === "dark" ? value : undefined;
}

/** Set on the command queue by the copy of the script that will boot: a second copy (the snippet
 * pasted twice) that runs before the page has loaded finds it and does nothing. */
const CLAIMED = "__frontdeskClaimed";

function boot(script: HTMLScriptElement): void {
  const queued = Array.isArray(window.frontdesk) ? window.frontdesk : [];
  const base = new URL(script.src, location.href).origin;
  const messenger = new Messenger(base, script.dataset.inbox!, {
    color: script.dataset.color,
    position: script.dataset.position === "left" ? "left" : undefined,
    locale: script.dataset.locale,
    colorScheme: colorScheme(script.dataset.colorScheme),
  });
  let ready = false;
  const bound: Methods = {
    ...methods(messenger),
    // A listener added after "ready" still hears it: the page can't know when we loaded.
    on: (event, fn) => {
      messenger.on(event, fn);
      if (event === "ready" && ready) fn();
    },
  };
  const api: Api = { ...bound, messenger: bound, push: (command) => run(api, command) };
  window.frontdesk = api;
  for (const command of queued) run(api, command);
  ready = true;
  messenger.emit("ready");
}

const script = ownScript();
const existing = window.frontdesk;
if (!script) {
  console.warn('frontdesk: add data-inbox="…" to the messenger <script> tag');
} else if (
  (existing && !Array.isArray(existing)) ||
  (existing as { [CLAIMED]?: boolean } | undefined)?.[CLAIMED] ||
  document.querySelector("frontdesk-messenger")
) {
  // Loaded twice: the first copy keeps working, the second does nothing.
} else {
  // Claimed now, synchronously: the view waits for <body> (it must come after it), the claim not.
  const queue: Command[] = Array.isArray(existing) ? existing : [];
  Object.defineProperty(queue, CLAIMED, { value: true });
  window.frontdesk = queue;
  if (document.body) boot(script);
  else document.addEventListener("DOMContentLoaded", () => boot(script), { once: true });
}
