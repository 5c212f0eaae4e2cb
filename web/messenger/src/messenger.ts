// The messenger: state, the conversation, and the DOM inside one shadow root.
//
// Continuity rules (docs/messenger.md): the visitor token, the open chat and its last applied
// `seq` live in localStorage (shared by tabs, namespaced by inbox key); drafts and whether the
// panel is open live in sessionStorage (per tab). Events are applied once: anything at or below
// the last applied `seq` is dropped, and the visitor's own messages are matched by client_msg_id.

import css from "./style.css?inline";
import { append, h, icon, ICONS, Store } from "./dom";
import { pickLocale, translator, type Translate } from "./i18n";
import { ApiError, http, Socket, type Fetcher, type Json } from "./net";
import { chime, unlockAudio } from "./sound";

export interface Config {
  color?: string;
  position?: "right" | "left";
  greeting?: string;
  locale?: string;
  launcher?: boolean;
}

export interface Identity {
  name?: string;
  email?: string;
  userHash?: string;
  attributes?: Record<string, string | number | boolean | null>;
}

type Listener = (data?: unknown) => void;

interface Envelope {
  type: string;
  chat_id: number | null;
  seq: number | null;
  data: Json;
}

interface ChatRead {
  id: number;
  state: string;
  last_seq: number;
  events: Envelope[];
}

interface Status {
  online: boolean;
  inbox_name: string;
  settings: Record<string, string>;
  chat_id: number | null;
  chat_state: string | null;
  queue_position: number | null;
  estimated_wait_seconds: number | null;
}

interface Message {
  author: { kind: string; name: string };
  text: string;
  client_msg_id: string | null;
}

interface Pending {
  cmid: string;
  chatId: number;
  text: string;
}

interface User {
  id: number;
  name: string;
}

type View = "loading" | "chat" | "contact" | "done" | "convo" | "broken";

const DEFAULT_COLOR = "#2563eb";
const RESEND_AFTER = 8000;
const TYPING_IDLE = 3000;

export function uuid(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Plain-http pages have no randomUUID; getRandomValues works everywhere.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** "#1d4ed8" or "#14b" → "#1d4ed8"; anything else (a typo, an injection attempt) → null. */
function hexColor(color: string | undefined): string | null {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((color ?? "").trim());
  if (!match) return null;
  const hex = match[1]!;
  return "#" + (hex.length === 3 ? hex.replace(/./g, "$&$&") : hex);
}

/** A #rrggbb colour → white or near-black, whichever reads better on it. */
function textOn(color: string): string {
  const n = parseInt(color.slice(1), 16);
  const channel = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const lum =
    0.2126 * channel(n >> 16) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
  // Whichever of white and near-black (luminance 0.012) contrasts more with the colour.
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.062 ? "#fff" : "#111827";
}

export class Messenger {
  private readonly local: Store;
  private readonly session: Store;
  private readonly api: Fetcher;
  private readonly listeners = new Map<string, Set<Listener>>();
  private t: Translate;
  private cfg: Config = {};

  private token: string | null;
  private chat: { id: number; seq: number; state: string } | null;
  private events: Envelope[] = [];
  private pending: Pending[];
  private inflight = new Set<string>();
  private lastTry = new Map<string, number>();
  private status: Status | null = null;
  private agents = new Map<number, string>();
  private readSeq = 0;
  private agentSeqs: number[] = [];
  private unread = 0;
  private socket: Socket | null = null;
  private visitorCreating: Promise<string> | null = null;
  private identity: { name?: string; email?: string } | null;
  private identifying: Promise<unknown> = Promise.resolve();

  private isOpen = false;
  private launcherHidden = false;
  private view: View = "loading";
  private titleCount = 0;
  private pageTitle = document.title;
  private lastPage = "";
  private typingSent = false;
  private typingTimer = 0;
  private agentTypingTimer = 0;
  private queueTimer = 0;
  private reconnectNotice = 0;
  private resendTimer = 0;
  private loaded = false;
  private resuming: { chat: Messenger["chat"]; done: Promise<void> } | null = null;

  // The DOM: a host element, its shadow root, and the parts we update.
  private readonly host: HTMLElement;
  private readonly shadow: ShadowRoot;
  private root!: HTMLElement;
  private launcher!: HTMLButtonElement;
  private badge!: HTMLElement;
  private panel!: HTMLElement;
  private headerTitle!: HTMLElement;
  private headerSub!: HTMLElement;
  private muteButton!: HTMLButtonElement;
  private notice!: HTMLElement;
  private body!: HTMLElement;
  private convo!: {
    root: HTMLElement;
    log: HTMLElement;
    typing: HTMLElement;
    waiting: HTMLElement;
    ended: HTMLElement;
    composer: HTMLFormElement;
    input: HTMLTextAreaElement;
    bubbles: Map<string, HTMLElement>;
  };

  constructor(
    private readonly base: string,
    private readonly inbox: string,
    initial: Config,
  ) {
    this.local = new Store(() => localStorage, `frontdesk:${inbox}:`);
    this.session = new Store(() => sessionStorage, `frontdesk:${inbox}:`);
    this.api = http(base, () => this.token);
    this.cfg = { ...initial };
    this.t = translator(pickLocale(this.cfg.locale));
    this.token = this.local.get<string>("token");
    this.chat = this.token ? this.local.get("chat") : null;
    this.pending = this.local.get<Pending[]>("pending") ?? [];
    this.identity = this.local.get("identity");
    this.readSeq = (this.chat && this.local.get<number>(`read:${this.chat.id}`)) || 0;

    this.host = document.createElement("frontdesk-messenger");
    // The host page's CSS must not reach in: reset everything that could be inherited or set
    // on our element, with !important to beat hostile `* { … !important }` rules.
    this.host.style.cssText =
      "all:initial!important;display:block!important;position:fixed!important;" +
      "top:0!important;left:0!important;width:0!important;height:0!important;" +
      "z-index:2147483000!important;visibility:visible!important;opacity:1!important";
    // Open, not closed: see docs/messenger.md ("Shadow DOM").
    this.shadow = this.host.attachShadow({ mode: "open" });
    this.build();
    // On <html>, not <body>: a transform on the host's <body> would otherwise anchor our
    // position:fixed launcher to the body instead of the viewport.
    document.documentElement.appendChild(this.host);

    this.watchPage();
    // An ended chat's history is only fetched if the visitor opens the panel again.
    if (this.chat && this.chat.state !== "ended") void this.resume();
    // Reopened after a navigation: open() asks for the status itself.
    if (this.session.get("open")) this.open(false);
    else void this.loadStatus();
  }

  // --- the public API ---------------------------------------------------------------------------

  on(event: string, fn: Listener): void {
    if (typeof fn !== "function") return;
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(fn);
  }

  off(event: string, fn: Listener): void {
    this.listeners.get(event)?.delete(fn);
  }

  emit(event: string, data?: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        fn(data);
      } catch (error) {
        console.error("frontdesk: a listener of", event, "failed", error);
      }
    }
  }

  open(byUser = true): void {
    if (byUser) unlockAudio();
    const wasOpen = this.isOpen;
    this.isOpen = true;
    this.session.set("open", true);
    this.panel.hidden = false;
    this.root.classList.add("is-open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", this.t("close"));
    if (wasOpen) return;
    if (this.chat && !this.loaded) void this.resume();
    this.decideView();
    this.markRead();
    this.reportMinimized();
    this.pollQueue();
    this.emit("open");
    if (byUser) requestAnimationFrame(() => this.focusPanel());
  }

  close(): void {
    if (!this.isOpen) return;
    const hadFocus = this.shadow.activeElement !== null && this.panel.contains(this.shadow.activeElement);
    this.isOpen = false;
    this.session.set("open", null);
    this.panel.hidden = true;
    this.root.classList.remove("is-open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.updateBadge();
    this.stopTyping();
    this.reportMinimized();
    this.emit("close");
    if (hadFocus && !this.launcherHidden && this.cfg.launcher !== false) this.launcher.focus();
  }

  toggle(): void {
    if (this.isOpen) this.close();
    else this.open();
  }

  hide(): void {
    this.launcherHidden = true;
    this.launcher.hidden = true;
  }

  show(): void {
    this.launcherHidden = false;
    this.launcher.hidden = this.cfg.launcher === false;
  }

  unreadCount(): number {
    return this.unread;
  }

  config(options: Config): void {
    if (!options || typeof options !== "object") return;
    const localeChanged = options.locale !== undefined && options.locale !== this.cfg.locale;
    this.cfg = { ...this.cfg, ...options };
    if (localeChanged) {
      this.t = translator(pickLocale(this.cfg.locale));
      this.build();
      if (this.isOpen) {
        this.isOpen = false;
        this.open(false);
      }
    } else {
      this.restyle();
      this.renderHeader();
      if (this.view === "chat" || this.view === "contact") this.renderView();
    }
  }

  identify(identity: Identity): Promise<unknown> {
    const body = {
      name: identity?.name,
      email: identity?.email,
      user_hash: identity?.userHash,
      attributes: identity?.attributes,
    };
    this.identifying = this.identifying
      .then(() => this.ensureVisitor())
      .then(() => this.api("POST", "/identify", body))
      .then(() => {
        this.identity = { name: identity.name, email: identity.email };
        this.local.set("identity", this.identity);
        if (this.view === "chat" || this.view === "contact") this.renderView();
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.code === "identity_unverified") {
          console.warn("frontdesk: identify() was refused:", error.message);
        } else {
          console.warn("frontdesk: identify() failed:", error);
        }
      });
    return this.identifying;
  }

  clearIdentity(): Promise<unknown> {
    const token = this.token;
    this.identifying = this.identifying
      .then(() => (token ? this.api("DELETE", "/identify") : undefined))
      .catch(() => undefined)
      .then(() => this.forget());
    return this.identifying;
  }

  /** The inbox's messenger settings; the last ones seen until /status answers. */
  private get settings(): Record<string, string | undefined> {
    return this.status?.settings ?? this.local.get("settings") ?? {};
  }

  // --- building the DOM -------------------------------------------------------------------------

  private build(): void {
    const t = this.t;
    this.launcher = h(
      "button",
      {
        type: "button",
        class: "launcher",
        "aria-label": t("open"),
        "aria-expanded": "false",
        onclick: () => this.toggle(),
      },
      h("span", { class: "launcher-icon open-icon" }, icon(...ICONS.chat)),
      h("span", { class: "launcher-icon close-icon" }, icon(...ICONS.down)),
    );
    this.badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
    this.launcher.appendChild(this.badge);

    this.headerTitle = h("h2", { class: "title", id: "fd-title" });
    this.headerSub = h("p", { class: "subtitle" });
    this.muteButton = h("button", {
      type: "button",
      class: "icon-button",
      onclick: () => this.toggleMute(),
    });
    this.notice = h("div", { class: "notice", role: "alert", hidden: true });
    this.body = h("div", { class: "body" });
    this.panel = h(
      "section",
      {
        class: "panel",
        role: "dialog",
        "aria-labelledby": "fd-title",
        hidden: true,
      },
      h(
        "header",
        { class: "header" },
        h("div", { class: "heading" }, this.headerTitle, this.headerSub),
        this.muteButton,
        h(
          "button",
          {
            type: "button",
            class: "icon-button",
            "aria-label": t("close"),
            title: t("close"),
            onclick: () => this.close(),
          },
          icon(...ICONS.close),
        ),
      ),
      this.notice,
      this.body,
    );
    this.root = h(
      "div",
      {
        class: "fd",
        onkeydown: (event: Event) => {
          if ((event as KeyboardEvent).key === "Escape" && this.isOpen) {
            event.stopPropagation();
            this.close();
          }
        },
      },
      this.panel,
      this.launcher,
    );
    this.shadow.replaceChildren(h("style", { text: css }), this.root);
    this.buildConvo();
    this.restyle();
    this.renderHeader();
    this.renderMute();
    this.updateBadge();
    if (this.launcherHidden) this.hide();
  }

  private restyle(): void {
    const color =
      hexColor(this.cfg.color) ?? hexColor(this.settings.color) ?? DEFAULT_COLOR;
    this.root.style.setProperty("--accent", color);
    this.root.style.setProperty("--on-accent", textOn(color));
    const position = this.cfg.position || this.settings.position;
    this.root.classList.toggle("left", position === "left");
    this.launcher.hidden = this.launcherHidden || this.cfg.launcher === false;
    this.root.setAttribute("lang", pickLocale(this.cfg.locale));
  }

  private renderHeader(): void {
    const name = this.status?.inbox_name || this.t("agent");
    this.headerTitle.textContent = name;
    this.panel.setAttribute("aria-label", this.t("dialog", { inbox: name }));
    let sub: string;
    if (this.chat && this.view === "convo") {
      const names = [...this.agents.values()];
      if (this.chat.state === "ended") sub = this.t("ended");
      else if (names.length) sub = this.t("chattingWith", { names: names.join(", ") });
      else sub = this.t("shortly");
    } else if (this.status) {
      sub = this.status.online ? this.t("online") : this.t("offline");
    } else sub = "";
    this.headerSub.textContent = sub;
  }

  private renderMute(): void {
    const muted = Boolean(this.local.get("muted"));
    this.muteButton.replaceChildren(icon(...(muted ? ICONS.muted : ICONS.sound)));
    // A toggle keeps one label; aria-pressed says whether it is on.
    this.muteButton.setAttribute("aria-label", this.t("mute"));
    this.muteButton.setAttribute("title", muted ? this.t("unmute") : this.t("mute"));
    this.muteButton.setAttribute("aria-pressed", String(muted));
  }

  private toggleMute(): void {
    this.local.set("muted", this.local.get("muted") ? null : true);
    this.renderMute();
  }

  private showNotice(text: string | null): void {
    this.notice.hidden = !text;
    this.notice.textContent = text ?? "";
  }

  private errorText(error: unknown): string {
    if (error instanceof ApiError) {
      if (error.network) return this.t("offlineError");
      if (error.code === "rate_limited") {
        return this.t("rateLimited", { n: error.retryAfter || 30 });
      }
      if (error.code === "origin_not_allowed" || error.code === "unknown_inbox") {
        return this.t("misconfigured");
      }
      if (error.message) return error.message;
    }
    return this.t("offlineError");
  }

  // --- views ------------------------------------------------------------------------------------

  private setView(view: View): void {
    this.view = view;
    this.renderView();
  }

  private renderView(): void {
    const t = this.t;
    const focusWasInside = this.body.contains(this.shadow.activeElement);
    let content: HTMLElement;
    switch (this.view) {
      case "convo":
        content = this.convo.root;
        break;
      case "chat":
      case "contact":
        content = this.form(this.view);
        break;
      case "done":
        content = h(
          "div",
          { class: "done" },
          h("span", { class: "done-icon" }, icon(...ICONS.check)),
          h("p", { class: "done-title", text: t("thanks") }),
          h("p", { text: t("reference", { n: this.session.get<number>("reference") ?? "" }) }),
          h("button", {
            type: "button",
            class: "secondary",
            text: t("anotherMessage"),
            onclick: () => {
              this.session.set("reference", null);
              this.setView("contact");
              this.focusPanel();
            },
          }),
        );
        break;
      case "broken":
        content = h("p", { class: "empty", text: t("misconfigured") });
        break;
      default:
        content = h("p", { class: "empty", text: t("loading") });
    }
    this.body.replaceChildren(content);
    this.body.classList.toggle("is-convo", this.view === "convo");
    this.renderHeader();
    if (focusWasInside) this.focusPanel();
  }

  private decideView(): void {
    if (this.view === "broken") return;
    if (this.chat) return this.setView("convo");
    if (this.session.get("reference")) return this.setView("done");
    if (!this.status) {
      this.setView("loading");
      void this.loadStatus(true);
      return;
    }
    this.setView(this.status.online ? "chat" : "contact");
  }

  private focusPanel(): void {
    const target =
      this.view === "convo"
        ? this.chat?.state === "ended"
          ? this.convo.ended.querySelector("button")
          : this.convo.input
        : ([...this.body.querySelectorAll<HTMLInputElement>("input, textarea")].find(
            (field) => !field.value,
          ) ?? this.body.querySelector("button"));
    (target ?? this.panel.querySelector<HTMLElement>(".icon-button"))?.focus();
  }

  private form(kind: "chat" | "contact"): HTMLElement {
    const t = this.t;
    const draft = (field: string): string => this.session.get<string>(`draft:${field}`) ?? "";
    const field = (
      id: string,
      label: string,
      control: HTMLInputElement | HTMLTextAreaElement,
      hint?: string,
    ): HTMLElement => {
      const optional = control.required ? null : h("span", { class: "optional", text: t("optional") });
      control.id = `fd-${id}`;
      control.addEventListener("input", () => this.session.set(`draft:${id}`, control.value));
      if (hint) control.setAttribute("aria-describedby", `fd-${id}-hint`);
      return h(
        "div",
        { class: "field" },
        h("label", { for: `fd-${id}` }, label, optional),
        control,
        hint ? h("p", { class: "hint", id: `fd-${id}-hint`, text: hint }) : null,
      );
    };
    const online = kind === "chat";
    const name = h("input", { type: "text", autocomplete: "name", required: !online });
    name.value = draft("name") || this.identity?.name || "";
    const email = h("input", { type: "email", autocomplete: "email", required: !online });
    email.value = draft("email") || this.identity?.email || "";
    const message = h("textarea", { rows: 4, required: true, maxlength: 5000 });
    message.value = draft("message");
    const submit = h("button", {
      type: "submit",
      class: "primary",
      text: online ? t("startChat") : t("sendMessage"),
    });
    const greeting = online
      ? this.cfg.greeting || this.settings.greeting || t("greeting")
      : this.settings.greeting_offline || t("greetingOffline");
    const form = h(
      "form",
      {
        class: "form",
        onsubmit: (event: Event) => {
          event.preventDefault();
          const values = { name: name.value.trim(), email: email.value.trim(), text: message.value };
          if (!values.text.trim()) return message.focus();
          submit.disabled = true;
          submit.textContent = t("sending");
          const done = online ? this.startChat(values) : this.sendContact(values);
          void done.finally(() => {
            submit.disabled = false;
            submit.textContent = online ? t("startChat") : t("sendMessage");
          });
        },
      },
      h("p", { class: "greeting", text: greeting }),
      field("name", t("name"), name),
      field("email", t("email"), email, online ? t("emailChatHint") : t("emailContactHint")),
      field("message", t("message"), message),
      submit,
    );
    return form;
  }

  private buildConvo(): void {
    const t = this.t;
    const input = h("textarea", {
      rows: 1,
      class: "composer-input",
      "aria-label": t("message"),
      placeholder: t("typeMessage"),
      maxlength: 5000,
    });
    input.value = this.session.get<string>("draft:composer") ?? "";
    input.addEventListener("input", () => {
      this.session.set("draft:composer", input.value || null);
      this.autoGrow();
      if (input.value) this.startTyping();
      else this.stopTyping();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    const composer = h(
      "form",
      {
        class: "composer",
        onsubmit: (event: Event) => {
          event.preventDefault();
          const text = input.value;
          if (!text.trim() || !this.chat) return;
          input.value = "";
          this.session.set("draft:composer", null);
          this.autoGrow();
          this.stopTyping();
          this.send(text);
          input.focus();
        },
      },
      input,
      h(
        "button",
        { type: "submit", class: "send", "aria-label": t("send"), title: t("send") },
        icon(...ICONS.send),
      ),
    );
    const log = h("ol", {
      class: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": t("chatLog"),
    });
    const typing = h("p", { class: "typing", hidden: true });
    const waiting = h("div", { class: "card waiting", role: "status", hidden: true });
    const ended = h("div", { class: "card ended", role: "status", hidden: true });
    this.convo = {
      root: h(
        "div",
        { class: "convo" },
        h("div", { class: "scroll" }, log, typing, waiting, ended),
        composer,
      ),
      log,
      typing,
      waiting,
      ended,
      composer,
      input,
      bubbles: new Map(),
    };
    // Redraw what we know: after a change of language, or a new chat.
    this.agents.clear();
    for (const event of this.events) this.draw(event);
    for (const item of this.pending) {
      if (item.chatId === this.chat?.id) this.drawOwn(item.text, item.cmid, "sending");
    }
    this.renderChatState();
  }

  private autoGrow(): void {
    const input = this.convo.input;
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  }

  private scrollDown(force = false): void {
    const scroller = this.convo.log.parentElement!;
    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    if (force || nearBottom) requestAnimationFrame(() => (scroller.scrollTop = scroller.scrollHeight));
  }

  private line(text: string): void {
    this.convo.log.appendChild(h("li", { class: "system", text }));
    this.scrollDown();
  }

  private drawOwn(text: string, cmid: string | null, state?: "sending"): void {
    const bubble = h(
      "li",
      { class: "msg own", "data-state": state },
      h("span", { class: "sr", text: `${this.t("you")}: ` }),
      h("p", { class: "text", text }),
      h("span", { class: "meta", text: state ? this.t("sending") : "" }),
    );
    if (cmid) this.convo.bubbles.set(cmid, bubble);
    this.convo.log.appendChild(bubble);
    this.scrollDown(true);
  }

  private markOwn(cmid: string, state: "sent" | "retrying" | "failed", reason = ""): void {
    const bubble = this.convo.bubbles.get(cmid);
    if (!bubble) return;
    const meta = bubble.querySelector(".meta")!;
    if (state === "sent") {
      bubble.removeAttribute("data-state");
      meta.textContent = "";
    } else {
      bubble.setAttribute("data-state", state);
      meta.textContent =
        state === "failed" ? this.t("failed", { reason }) : this.t("notSent");
    }
  }

  private draw(event: Envelope): void {
    const t = this.t;
    const data = event.data;
    const user = data.user as User | undefined;
    switch (event.type) {
      case "chat.message_added": {
        const message = data.message as Message;
        if (message.author.kind === "visitor") {
          if (message.client_msg_id && this.convo.bubbles.has(message.client_msg_id)) {
            this.markOwn(message.client_msg_id, "sent");
          } else this.drawOwn(message.text, message.client_msg_id);
        } else if (message.author.kind === "agent") {
          this.convo.log.appendChild(
            h(
              "li",
              { class: "msg agent" },
              h("span", { class: "author", text: message.author.name }),
              h("p", { class: "text", text: message.text }),
            ),
          );
          this.showTyping(null);
          this.scrollDown();
        } else this.line(message.text);
        break;
      }
      case "chat.joined":
        if (user) {
          this.agents.set(user.id, user.name);
          this.line(t("joined", { name: user.name }));
        }
        break;
      case "chat.left": {
        if (!user) break;
        this.agents.delete(user.id);
        const to = data.transferred_to as User | null;
        this.line(
          to ? t("transferred", { name: user.name, to: to.name }) : t("left", { name: user.name }),
        );
        break;
      }
      case "chat.ended":
        this.showTyping(null);
        break;
    }
  }

  private renderChatState(): void {
    const chat = this.chat;
    const { waiting, ended, composer } = this.convo;
    const last = this.events.filter((e) => e.type === "chat.ended").pop();
    waiting.hidden = chat?.state !== "waiting";
    ended.hidden = chat?.state !== "ended";
    composer.hidden = chat?.state === "ended";
    if (chat?.state === "waiting") this.renderQueue();
    if (chat?.state === "ended") {
      const unanswered = last?.data.reason === "unanswered";
      ended.replaceChildren();
      append(
        ended,
        h("p", { class: "card-title", text: unanswered ? this.t("endedUnanswered") : this.t("ended") }),
        last?.data.transcript_emailed ? h("p", { text: this.t("transcript") }) : null,
        h("button", {
          type: "button",
          class: "primary",
          text: this.t("newChat"),
          onclick: () => this.newChat(),
        }),
      );
      this.scrollDown(true);
    }
    this.renderHeader();
  }

  private renderQueue(): void {
    const t = this.t;
    const status = this.status;
    const position = status?.chat_id === this.chat?.id ? status?.queue_position : null;
    const wait = status?.chat_id === this.chat?.id ? status?.estimated_wait_seconds : null;
    let waitText = "";
    if (wait != null) {
      const minutes = Math.round(wait / 60);
      const span =
        wait < 50 ? t("seconds") : minutes <= 1 ? t("minute") : t("minutes", { n: minutes });
      waitText = t("wait", { t: span });
    }
    this.convo.waiting.replaceChildren(
      h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
      h(
        "div",
        {},
        h("p", { class: "card-title", text: t("waiting") }),
        position != null
          ? h("p", { text: position <= 1 ? t("queueNext") : t("queue", { n: position }) })
          : null,
        waitText ? h("p", { text: waitText }) : null,
      ),
    );
  }

  private showTyping(name: string | null): void {
    clearTimeout(this.agentTypingTimer);
    const el = this.convo.typing;
    el.hidden = !name;
    el.replaceChildren(
      ...(name
        ? [
            h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
            this.t("typing", { name }),
          ]
        : []),
    );
    // A lost "stopped typing" must not leave the indicator up forever.
    if (name) this.agentTypingTimer = window.setTimeout(() => this.showTyping(null), 15_000);
    this.scrollDown();
  }

  // --- the chat ---------------------------------------------------------------------------------

  private ensureVisitor(): Promise<string> {
    if (this.token) return Promise.resolve(this.token);
    this.visitorCreating ??= this.api<{ token: string }>("POST", "/visitors", { inbox: this.inbox })
      .then(({ token }) => {
        this.token = token;
        this.local.set("token", token);
        return token;
      })
      .finally(() => {
        this.visitorCreating = null;
      });
    return this.visitorCreating;
  }

  private async loadStatus(showErrors = false): Promise<void> {
    try {
      this.status = await this.api<Status>("GET", `/status?inbox=${encodeURIComponent(this.inbox)}`);
      this.local.set("settings", this.status.settings);
    } catch (error) {
      if (error instanceof ApiError && [403, 404].includes(error.status)) {
        // A misconfigured embed (unknown key, origin not allowed): show the visitors nothing.
        console.warn("frontdesk:", error.message);
        this.setView("broken");
        this.hide();
      } else if (showErrors && this.isOpen) {
        this.showNotice(this.errorText(error));
        window.setTimeout(() => this.isOpen && !this.status && void this.loadStatus(true), 5000);
      }
      return;
    }
    if (showErrors) this.showNotice(null);
    this.restyle();
    if (!this.chat && this.token && this.status.chat_id) {
      // A chat started in another tab (or storage was cleared): pick it up.
      this.adopt(this.status.chat_id, 0, this.status.chat_state ?? "waiting");
      await this.resume();
    }
    if (this.chat) this.renderChatState();
    if (this.isOpen && this.view === "loading") this.decideView();
    else this.renderHeader();
  }

  private adopt(id: number, seq: number, state: string): void {
    this.chat = { id, seq, state };
    this.loaded = false;
    this.setPending(this.pending.filter((p) => p.chatId === id));
    this.events = [];
    this.readSeq = this.local.get<number>(`read:${id}`) ?? 0;
    this.agentSeqs = [];
    this.buildConvo();
    this.saveChat();
  }

  private saveChat(): void {
    this.local.set("chat", this.chat);
  }

  /** After a reload, a navigation or in a second tab: history over HTTP, then the socket. */
  private resume(): Promise<void> {
    const chat = this.chat;
    if (!this.resuming || this.resuming.chat !== chat) {
      const done = this.loadHistory().finally(() => {
        if (this.resuming?.done === done) this.resuming = null;
      });
      this.resuming = { chat, done };
    }
    return this.resuming.done;
  }

  private async loadHistory(): Promise<void> {
    const chat = this.chat;
    if (!chat) return;
    try {
      const read = await this.api<ChatRead>("GET", `/chats/${chat.id}`);
      if (this.chat !== chat) return;
      this.events = [];
      this.agentSeqs = [];
      chat.seq = 0;
      for (const event of read.events) this.apply(event, false);
      chat.state = read.state;
      chat.seq = Math.max(chat.seq, read.last_seq);
      this.saveChat();
      // What was pending before the reload and is in the history now was delivered.
      const delivered = new Set(
        read.events.map((e) => (e.data.message as Message | undefined)?.client_msg_id),
      );
      this.setPending(this.pending.filter((p) => !delivered.has(p.cmid)));
      this.loaded = true;
      this.buildConvo();
      if (this.view === "convo") this.renderView();
      this.markRead();
      if (chat.state !== "ended") this.connect();
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
        this.forget(error.status === 404);
      } else {
        // Offline for now: try again soon, the chat is still ours.
        window.setTimeout(() => this.chat === chat && void this.resume(), 5000);
      }
    }
  }

  private connect(): void {
    if (this.socket) return;
    const url = this.base.replace(/^http/, "ws") + "/messenger/v1/ws";
    this.socket = new Socket(url, {
      hello: () => ({
        token: this.token,
        chats: this.chat && this.chat.state !== "ended" ? { [this.chat.id]: this.chat.seq } : {},
      }),
      frame: (frame) => this.onFrame(frame),
      up: () => {
        clearTimeout(this.reconnectNotice);
        this.showNotice(null);
        this.lastPage = "";
        this.reportPage();
        this.reportMinimized();
        this.flush(true);
      },
      down: () => {
        clearTimeout(this.reconnectNotice);
        this.reconnectNotice = window.setTimeout(() => {
          if (this.chat?.state !== "ended") this.showNotice(this.t("reconnecting"));
        }, 3000);
      },
      fatal: (code) => {
        this.socket = null;
        if (code === 4401) this.forget(false);
        else this.setView("broken");
      },
    });
    this.socket.start();
  }

  private disconnect(): void {
    this.socket?.stop();
    this.socket = null;
    clearTimeout(this.reconnectNotice);
  }

  private onFrame(frame: Json): void {
    const ref = typeof frame.ref === "string" ? frame.ref : "";
    if (frame.type === "ack") {
      if (ref.startsWith("m:")) this.delivered(ref.slice(2));
      return;
    }
    if (frame.type === "error") {
      const error = frame.error as { code: string; message: string; retry_after?: number };
      if (ref.startsWith("m:")) {
        this.sendFailed(ref.slice(2), new ApiError(error.code, error.message, 400, error.retry_after));
      } else if (ref === "hello" && error.code === "not_found") this.forget(true);
      return;
    }
    if (frame.type === "chat.typing") {
      const data = frame.data as { chat_id: number; author: Message["author"]; typing: boolean };
      if (data.chat_id === this.chat?.id && data.author.kind === "agent") {
        this.showTyping(data.typing ? data.author.name : null);
      }
      return;
    }
    this.apply(frame as unknown as Envelope, true);
  }

  private apply(event: Envelope, live: boolean): void {
    const chat = this.chat;
    if (!chat || event.chat_id !== chat.id || event.seq == null) return;
    // Replays, a second tab's echo and history overlapping the socket all end here.
    if (event.seq <= chat.seq) return;
    chat.seq = event.seq;
    this.events.push(event);
    this.draw(event);
    const message = event.data.message as Message | undefined;
    switch (event.type) {
      case "chat.message_added":
        if (message?.author.kind === "visitor" && message.client_msg_id) {
          this.setPending(this.pending.filter((p) => p.cmid !== message.client_msg_id));
        }
        if (message?.author.kind === "agent") {
          this.agentSeqs.push(event.seq);
          if (live) this.alert();
        }
        if (message && live) {
          this.emit("message", { chatId: chat.id, author: message.author, text: message.text });
        }
        break;
      case "chat.joined":
        chat.state = "active";
        break;
      case "chat.ended":
        chat.state = "ended";
        this.stopTyping();
        if (live) {
          this.disconnect();
          this.emit("chat:ended", {
            chatId: chat.id,
            reason: event.data.reason,
            transcriptEmailed: Boolean(event.data.transcript_emailed),
          });
        }
        break;
    }
    if (live) {
      this.saveChat();
      this.renderChatState();
      this.markRead();
      this.updateBadge();
    }
  }

  private alert(): void {
    if (this.isOpen && !document.hidden) return;
    if (!this.local.get("muted")) chime();
    if (document.hidden) {
      if (!this.titleCount) this.pageTitle = document.title;
      this.titleCount += 1;
      document.title = `(${this.titleCount}) ${this.pageTitle}`;
    }
  }

  private markRead(): void {
    if (this.chat && this.isOpen && !document.hidden && this.readSeq < this.chat.seq) {
      this.readSeq = this.chat.seq;
      this.local.set(`read:${this.chat.id}`, this.readSeq);
    }
    this.updateBadge();
  }

  private updateBadge(): void {
    const count = this.agentSeqs.filter((seq) => seq > this.readSeq).length;
    this.badge.hidden = count === 0;
    this.badge.textContent = count > 9 ? "9+" : String(count);
    if (!this.isOpen) {
      this.launcher.setAttribute(
        "aria-label",
        count ? `${this.t("open")} (${this.t("unread", { n: count })})` : this.t("open"),
      );
    }
    if (count !== this.unread) {
      this.unread = count;
      this.emit("unread", count);
    }
  }

  private async startChat(values: { name: string; email: string; text: string }): Promise<void> {
    this.showNotice(null);
    const cmid = this.session.get<string>("draft:cmid") ?? uuid();
    this.session.set("draft:cmid", cmid);
    try {
      await this.ensureVisitor();
      const read = await this.api<ChatRead>("POST", "/chats", {
        name: values.name,
        email: values.email || null,
        text: values.text,
        client_msg_id: cmid,
        page_url: location.href.slice(0, 2000),
        page_title: this.currentTitle().slice(0, 500),
      });
      for (const key of ["message", "cmid"]) this.session.set(`draft:${key}`, null);
      this.adopt(read.id, 0, read.state);
      for (const event of read.events) this.apply(event, false);
      this.chat!.state = read.state;
      this.saveChat();
      this.renderChatState();
      this.setView("convo");
      this.connect();
      void this.loadQueue();
      this.emit("chat:started", { chatId: read.id });
      this.focusPanel();
    } catch (error) {
      if (error instanceof ApiError && error.code === "no_agents_online") {
        if (this.status) this.status.online = false;
        this.setView("contact");
      }
      this.showNotice(this.errorText(error));
    }
  }

  private async sendContact(values: { name: string; email: string; text: string }): Promise<void> {
    this.showNotice(null);
    try {
      await this.ensureVisitor();
      const created = await this.api<{ reference: number }>("POST", "/contact", {
        name: values.name,
        email: values.email,
        text: values.text,
        page_url: location.href.slice(0, 2000),
      });
      this.session.set("draft:message", null);
      this.session.set("reference", created.reference);
      this.setView("done");
      this.focusPanel();
    } catch (error) {
      this.showNotice(this.errorText(error));
    }
  }

  private send(text: string): void {
    const chat = this.chat!;
    const item = { cmid: uuid(), chatId: chat.id, text };
    this.setPending([...this.pending, item]);
    this.drawOwn(text, item.cmid, "sending");
    this.trySend(item);
  }

  private setPending(items: Pending[]): void {
    this.pending = items;
    this.local.set("pending", items.length ? items : null);
    clearInterval(this.resendTimer);
    if (items.length) this.resendTimer = window.setInterval(() => this.flush(false), 3000);
  }

  /** Sends what is not acknowledged yet, with the same client_msg_id: the server dedupes. */
  private flush(now: boolean): void {
    const chat = this.chat;
    if (!chat || chat.state === "ended") return;
    for (const item of this.pending) {
      if (item.chatId !== chat.id || this.inflight.has(item.cmid)) continue;
      if (now || Date.now() - (this.lastTry.get(item.cmid) ?? 0) > RESEND_AFTER) this.trySend(item);
    }
  }

  private trySend(item: Pending): void {
    this.lastTry.set(item.cmid, Date.now());
    const frame = { type: "message", ref: `m:${item.cmid}`, chat_id: item.chatId, text: item.text };
    if (this.socket?.send({ ...frame, client_msg_id: item.cmid })) return;
    this.inflight.add(item.cmid);
    this.api<{ seq: number }>("POST", `/chats/${item.chatId}/messages`, {
      text: item.text,
      client_msg_id: item.cmid,
    })
      .then(() => this.delivered(item.cmid))
      .catch((error: unknown) => this.sendFailed(item.cmid, error))
      .finally(() => this.inflight.delete(item.cmid));
  }

  private delivered(cmid: string): void {
    this.setPending(this.pending.filter((p) => p.cmid !== cmid));
    this.markOwn(cmid, "sent");
    if (this.notice.textContent === this.t("offlineError")) this.showNotice(null);
  }

  private sendFailed(cmid: string, error: unknown): void {
    const item = this.pending.find((p) => p.cmid === cmid);
    if (!item) return;
    const transient =
      !(error instanceof ApiError) || error.network || error.status >= 500 || error.code === "rate_limited";
    if (transient) {
      if (error instanceof ApiError && error.code === "rate_limited") {
        // Next try once the server says so.
        this.lastTry.set(cmid, Date.now() + (error.retryAfter || 10) * 1000 - RESEND_AFTER);
      }
      this.markOwn(cmid, "retrying");
      this.showNotice(this.errorText(error));
      return;
    }
    // Refused for good (too long, chat ended…): say why and give the text back.
    this.setPending(this.pending.filter((p) => p.cmid !== cmid));
    this.markOwn(cmid, "failed", (error as ApiError).message);
    if (!this.convo.input.value) {
      this.convo.input.value = item.text;
      this.session.set("draft:composer", item.text);
    }
  }

  private newChat(): void {
    this.disconnect();
    this.chat = null;
    this.events = [];
    this.agentSeqs = [];
    this.saveChat();
    this.buildConvo();
    this.updateBadge();
    this.setView("loading");
    void this.loadStatus(true).then(() => this.focusPanel());
  }

  /** The token is no longer valid (or the host called clearIdentity): start afresh. */
  private forget(keepToken = false): void {
    this.disconnect();
    if (!keepToken) {
      this.token = null;
      this.identity = null;
      for (const key of ["token", "identity"]) this.local.set(key, null);
      for (const key of ["name", "email", "message", "composer", "cmid"]) {
        this.session.set(`draft:${key}`, null);
      }
    }
    this.chat = null;
    this.events = [];
    this.agentSeqs = [];
    this.saveChat();
    this.setPending([]);
    this.buildConvo();
    this.updateBadge();
    if (this.isOpen) this.decideView();
    else this.view = "loading";
  }

  // --- typing, queue, page and presence ---------------------------------------------------------

  private startTyping(): void {
    clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => this.stopTyping(), TYPING_IDLE);
    if (!this.typingSent && this.chat && this.chat.state !== "ended") {
      this.typingSent = Boolean(
        this.socket?.send({ type: "typing", chat_id: this.chat.id, typing: true }),
      );
    }
  }

  private stopTyping(): void {
    clearTimeout(this.typingTimer);
    if (this.typingSent && this.chat) {
      this.socket?.send({ type: "typing", chat_id: this.chat.id, typing: false });
    }
    this.typingSent = false;
  }

  private pollQueue(): void {
    clearInterval(this.queueTimer);
    this.queueTimer = window.setInterval(() => {
      if (this.isOpen && this.chat?.state === "waiting") void this.loadQueue();
    }, 10_000);
    if (this.chat?.state === "waiting") void this.loadQueue();
  }

  private async loadQueue(): Promise<void> {
    try {
      this.status = await this.api<Status>("GET", `/status?inbox=${encodeURIComponent(this.inbox)}`);
    } catch {
      return;
    }
    if (this.chat?.state === "waiting") this.renderQueue();
  }

  private currentTitle(): string {
    return this.titleCount ? this.pageTitle : document.title;
  }

  private reportPage(): void {
    const chat = this.chat;
    if (!chat || chat.state === "ended" || !this.token) return;
    const url = location.href.slice(0, 2000);
    const title = this.currentTitle().slice(0, 500);
    if (`${url}\n${title}` === this.lastPage) return;
    this.lastPage = `${url}\n${title}`;
    if (!this.socket?.send({ type: "page", url, title })) {
      this.api("POST", "/page", { url, title }).catch(() => (this.lastPage = ""));
    }
  }

  private reportMinimized(): void {
    if (!this.chat || this.chat.state === "ended" || !this.token) return;
    const minimized = !this.isOpen;
    if (!this.socket?.send({ type: "minimized", minimized })) {
      this.api("POST", "/minimized", { minimized }).catch(() => undefined);
    }
  }

  private watchPage(): void {
    const changed = (): void => {
      // Single-page apps usually set the new title just after changing the URL.
      window.setTimeout(() => this.reportPage(), 150);
    };
    for (const name of ["pushState", "replaceState"] as const) {
      const original = history[name];
      history[name] = function (this: History, ...args: Parameters<History["pushState"]>) {
        const result = original.apply(this, args);
        changed();
        return result;
      };
    }
    window.addEventListener("popstate", changed);
    window.addEventListener("online", () => {
      this.socket?.nudge();
      this.flush(true);
    });
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) return;
      if (this.titleCount) {
        if (document.title.startsWith(`(${this.titleCount}) `)) document.title = this.pageTitle;
        this.titleCount = 0;
      }
      this.markRead();
    });
    window.addEventListener("storage", (event) => {
      // Another tab started or ended a chat: follow it, so both tabs show the same thing.
      if (this.local.owns(event.key) !== "chat") return;
      const other = this.local.get<{ id: number; seq: number; state: string }>("chat");
      if (other && other.id !== this.chat?.id) {
        this.token = this.local.get("token");
        this.disconnect();
        this.adopt(other.id, 0, other.state);
        void this.resume();
        if (this.isOpen) this.setView("convo");
      }
    });
  }
}

