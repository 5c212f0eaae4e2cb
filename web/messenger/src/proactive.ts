// Proactive messages (docs/messenger.md, "Proactive messages"): a line from a named agent,
// shown as a small bubble beside the launcher after some seconds on chosen pages. A script of
// its own (messenger-proactive.js, from proactive-entry.ts), loaded by messenger.ts only when the
// inbox has some (`proactive` in /status): the messenger's own bundle stays within its budget,
// and a page of an inbox without any downloads nothing more.
//
// Shown once per browser at most: dismissed (×) or answered (the bubble opens the messenger with
// it as the agent's first line), its id is kept in localStorage and it never comes back. Never
// while the panel is open or a chat is going, nor, when it says so, while the inbox is not online.

import { h } from "./dom";
import type { Store } from "./dom";
import type { Fetcher } from "./net";
import styles from "./proactive.css?inline";
import type { Status } from "./types";
import { visits } from "./visits";

export interface ProactiveMessage {
  id: number;
  text: string;
  sender: { name: string };
  page_rule: string;
  delay_seconds: number;
  only_when_online: boolean;
  /** An agent's invitation (visits.ts), not a message of the settings: its id. */
  invitation?: string;
}

/** What the messenger lends this part (messenger.ts, `loadProactive`). */
export interface ProactiveHost {
  /** /status as the messenger read it: which of this part's features the inbox uses. */
  readonly status: Status;
  readonly base: string;
  readonly api: Fetcher;
  readonly inbox: string;
  readonly local: Store;
  readonly locale: string;
  /** The panel is open, or a chat is going. */
  busy(): boolean;
  /** Whether the inbox is online now (asks the server). */
  online(): Promise<boolean>;
  on(event: string, fn: () => void): void;
  /** Called after every change of address, in-page navigation included. */
  navigated(fn: () => void): void;
  mount(element: HTMLElement, css: string): void;
  /** The visitor took it up: the panel opens with it as the agent's first line. */
  engage(message: ProactiveMessage): void;
  focusLauncher(): void;
}

const WORDS: Record<string, { dismiss: string; from: string }> = {
  en: { dismiss: "Dismiss the message", from: "Message from {name}. Open the chat to reply." },
  fr: { dismiss: "Ignorer le message", from: "Message de {name}. Ouvrez le chat pour répondre." },
};

/**
 * Whether a page rule matches an address. Empty: every page. A rule that starts with `/` is
 * matched against the path alone; a full address (`https://shop.example.com/pricing*`) against
 * the origin and path, and the query too when the rule has a `?`. `*` stands for any characters,
 * nothing else is special; letters match whatever their case.
 */
export function matches(rule: string, href: string): boolean {
  if (!rule) return true;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return false;
  }
  const subject = rule.startsWith("/")
    ? url.pathname
    : url.origin + url.pathname + (rule.includes("?") ? url.search : "");
  const literal = (part: string): string => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${rule.split("*").map(literal).join(".*")}$`, "i").test(subject);
}

/** "AL" for Ada Lovelace: the sender's avatar, as the desk draws agents'. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0]?.[0] ?? "?";
  const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? "") : "";
  return (first + last).toUpperCase();
}

export function start(host: ProactiveHost): void {
  const words = WORDS[host.locale] ?? WORDS.en!;
  const seen = (): number[] => host.local.get<number[]>("proactive:seen") ?? [];
  const done = (id: number): void => host.local.set("proactive:seen", [...seen().filter((s) => s !== id), id].slice(-50));
  // Which messages this browser has counted as shown: the count is of browsers, and the
  // messenger keeps no id of the visitor for it (docs/messenger.md, "Proactive messages").
  const counted = (): number[] => host.local.get<number[]>("proactive:counted") ?? [];
  let messages: ProactiveMessage[] = [];
  let shown: ProactiveMessage | null = null;
  let timer = 0;
  // In the page from the start: a live region filled when the bubble shows is read politely.
  const region = h("div", { class: "sr", role: "status", "aria-live": "polite" });
  const card = h("div", { class: "proactive", hidden: true });
  host.mount(h("div", {}, region, card), styles);

  const hide = (): void => {
    shown = null;
    card.hidden = true;
    card.replaceChildren();
    region.replaceChildren();
  };

  const show = async (message: ProactiveMessage): Promise<void> => {
    // An agent's invitation comes once and takes the place of a message already shown.
    const invited = Boolean(message.invitation);
    if (host.busy() || (!invited && seen().includes(message.id))) return;
    if (message.only_when_online && !(await host.online())) return;
    if (invited) hide();
    if (shown || host.busy() || !matches(message.page_rule, location.href)) return;
    shown = message;
    const name = message.sender.name;
    card.replaceChildren(
      h(
        "button",
        {
          type: "button",
          class: "proactive-open",
          onclick: () => {
            if (!invited) done(message.id);
            hide();
            host.engage(message);
          },
        },
        h("span", { class: "proactive-avatar", "aria-hidden": "true", text: initials(name) }),
        h(
          "span",
          { class: "proactive-body" },
          h("span", { class: "proactive-name" }, name, h("span", { class: "sr", text: ": " })),
          h("span", { class: "proactive-text", dir: "auto", text: message.text }),
        ),
      ),
      h("button", {
        type: "button",
        class: "proactive-close",
        "aria-label": words.dismiss,
        title: words.dismiss,
        text: "×",
        onclick: () => {
          if (!invited) done(message.id);
          hide();
          host.focusLauncher();
        },
      }),
    );
    card.hidden = false;
    region.replaceChildren(h("p", { text: `${words.from.replace("{name}", name)} ${message.text}` }));
    if (invited || counted().includes(message.id)) return;
    host.local.set("proactive:counted", [...counted(), message.id].slice(-50));
    void host.api("POST", `/proactive/${message.id}/shown?inbox=${encodeURIComponent(host.inbox)}`).catch(() => undefined);
  };

  /** The first message not seen yet that matches this page, after its delay (again after each
   * navigation: the seconds are the seconds on that page). */
  const schedule = (): void => {
    clearTimeout(timer);
    if (shown && !matches(shown.page_rule, location.href)) hide();
    if (shown) return;
    const next = messages.find((m) => !seen().includes(m.id) && matches(m.page_rule, location.href));
    if (next) timer = window.setTimeout(() => void show(next), next.delay_seconds * 1000);
  };

  const report = host.status.visitors ? visits(host, (message) => void show(message)) : () => undefined;
  host.navigated(() => {
    schedule();
    report();
  });
  host.on("open", () => {
    clearTimeout(timer);
    hide();
  });
  host.on("close", schedule);
  host.on("chat:started", hide);
  if (!host.status.proactive) return;
  host
    .api<{ messages: ProactiveMessage[] }>("GET", `/proactive?inbox=${encodeURIComponent(host.inbox)}`)
    .then((read) => {
      messages = read.messages;
      schedule();
    })
    .catch(() => undefined);
}
