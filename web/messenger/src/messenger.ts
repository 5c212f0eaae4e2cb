// The messenger: the methods behind the page's API (main.ts), and the visitor's way through it
// over HTTP (status, starting a chat or leaving a message, history on resume), wired to the
// conversation state (conversation.ts), the DOM (view.ts) and the socket side (live.ts).
//
// Continuity rules (docs/messenger.md): the visitor token, the open chat and its last applied
// `seq` live in localStorage (shared by tabs, namespaced by inbox key); drafts and whether the
// panel is open live in sessionStorage (per tab).

import { Conversation, uuid } from "./conversation";
import { Store } from "./dom";
import { errorText, formProblems } from "./errors";
import { Files, type FilesHost } from "./files";
import { History, type HistoryHost } from "./history";
import { addWords, pickLocale, spoken, timeZone, translator, type Dictionary, type Translate } from "./i18n";
import { Live, type Host } from "./live";
import { ApiError, http, type Fetcher } from "./net";
import { flashTitle, pageTitle, restoreTitle, watchNavigation } from "./page";
import { chime, unlockAudio } from "./sound";
import { TabStore, type Outbox } from "./tabs";
import type { ChatRead, Envelope, Message, Status } from "./types";
import { View, type App, type Config, type FormValues } from "./view";
import type { ProactiveHost, ProactiveMessage } from "./proactive";

export interface Identity {
  name?: string;
  email?: string;
  userHash?: string;
  attributes?: Record<string, string | number | boolean | null>;
}

type Listener = (data?: unknown) => void;
/** Draws the messenger again in words come late (redraw.ts, in the words' own script). */
type Redraw = (view: View) => void;

/** How long the messenger stays hidden waiting for its language's words (loadWords). */
const WORDS_WAIT_MS = 3000;

export class Messenger implements App, Host, FilesHost, HistoryHost {
  readonly local: Store;
  readonly session: Store;
  /** localStorage as the conversation keeps it: safe across tabs (tabs.ts). */
  readonly kept: TabStore;
  readonly conversation: Conversation;
  t: Translate;
  cfg: Config = {};
  status: Status | null = null;
  identity: { name?: string; email?: string } | null;
  token: string | null;
  readonly view: View;
  readonly live: Live;
  readonly files: Files;
  readonly history: History;

  readonly api: Fetcher;
  private readonly listeners = new Map<string, Set<Listener>>();
  private unread = 0;
  private visitorCreating: Promise<string> | null = null;
  private identifying: Promise<unknown> = Promise.resolve();
  private queueTimer = 0;
  /** The language whose words came while the visitor had the panel open: spoken once it closes. */
  private wordsLater?: string;
  /** Draws the messenger again in words that came (redraw.ts, from the words' own script). */
  private redraw: Redraw = () => undefined;
  /** Told of every change of address (proactive.ts, once loaded). */
  private navigated?: () => void;

  constructor(
    private readonly base: string,
    readonly inbox: string,
    initial: Config,
  ) {
    this.local = new Store(() => localStorage, `frontdesk:${inbox}:`);
    this.session = new Store(() => sessionStorage, `frontdesk:${inbox}:`);
    this.api = http(base, () => this.token);
    this.cfg = { ...initial };
    this.t = translator(pickLocale(this.cfg.locale));
    this.token = this.local.get<string>("token");
    this.live = new Live(base.replace(/^http/, "ws") + "/messenger/v1/ws", this.api, this);
    this.files = new Files(base, this.api, this);
    this.history = new History(this.api, this);
    this.kept = new TabStore(this.local, (outbox) => this.tookOver(outbox), {
      lost: (outbox) => this.conversation.drop(new Set([...outbox.pending, ...outbox.unsent].map((p) => p.cmid))),
    });
    this.conversation = new Conversation(this.kept, Boolean(this.token), (count) =>
      this.live.pendingChanged(count),
    );
    this.identity = this.local.get("identity");
    this.view = new View(this);
    // The words of a language messenger.js does not carry, from their own script (loadWords),
    // with the way to draw the messenger again in them.
    this.view.host.addEventListener("fd-words", (event) => {
      const [locale, words, redraw] = (event as CustomEvent<[string, Dictionary, Redraw]>).detail;
      addWords(locale, words);
      this.redraw = redraw;
    });
    this.loadWords();
    this.watchPage();
    const chat = this.conversation.chat;
    // An ended chat's history is only fetched if the visitor opens the panel again.
    if (chat && chat.state !== "ended") void this.resume();
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
    const wasOpen = this.view.isOpen;
    this.session.set("open", true);
    this.view.open();
    if (wasOpen) return;
    if (this.conversation.chat && !this.conversation.loaded) void this.resume();
    this.decideScreen();
    this.markRead();
    this.live.reportMinimized();
    this.pollQueue();
    this.emit("open");
    if (byUser) requestAnimationFrame(() => this.view.focusPanel());
  }

  close(): void {
    if (!this.view.isOpen) return;
    const hadFocus = this.view.close();
    if (this.wordsLater) this.speak(this.wordsLater);
    this.session.set("open", null);
    this.updateBadge();
    this.live.stopTyping();
    this.live.reportMinimized();
    this.emit("close");
    if (hadFocus) this.view.focusLauncher();
  }

  toggle(): void {
    if (this.view.isOpen) this.close();
    else this.open();
  }

  hide(): void {
    this.view.hide();
  }

  show(): void {
    this.view.show();
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
      this.view.build();
      if (this.view.isOpen) {
        this.view.isOpen = false;
        this.open(false);
      }
      this.loadWords();
    } else {
      this.view.restyle();
      this.view.renderHeader();
      this.rerenderForm();
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
        this.rerenderForm();
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
  get settings(): Record<string, string | undefined> {
    return this.status?.settings ?? this.local.get("settings") ?? {};
  }

  private rerenderForm(): void {
    const screen = this.view.screen;
    if (screen === "chat" || screen === "contact") this.view.renderScreen();
  }

  private decideScreen(): void {
    const view = this.view;
    if (view.screen === "broken") return;
    if (this.conversation.chat) return view.setScreen("convo");
    if (this.session.get("reference")) return view.setScreen("done");
    if (!this.status) {
      view.setScreen("loading");
      void this.loadStatus(true);
      return;
    }
    view.setScreen(this.status.online ? "chat" : "contact");
  }

  // --- the visitor and the chat over HTTP -------------------------------------------------------

  ensureVisitor(): Promise<string> {
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

  /** Who is online now, the queue and the inbox's settings (GET /status). */
  private fetchStatus(): Promise<Status> {
    return this.api<Status>("GET", `/status?inbox=${encodeURIComponent(this.inbox)}`);
  }

  private async loadStatus(showErrors = false): Promise<void> {
    try {
      this.status = await this.fetchStatus();
      this.local.set("settings", this.status.settings);
    } catch (error) {
      if (error instanceof ApiError && [403, 404].includes(error.status)) {
        // A misconfigured embed (unknown key, origin not allowed): show the visitors nothing.
        console.warn("frontdesk:", error.message);
        this.view.setScreen("broken");
        this.hide();
      } else if (showErrors && this.view.isOpen) {
        this.view.showError(error);
        const wait = Math.max(5000, error instanceof ApiError ? error.retryAfter * 1000 : 0);
        window.setTimeout(() => this.view.isOpen && !this.status && void this.loadStatus(true), wait);
      }
      return;
    }
    if (showErrors) this.view.showNotice(null);
    if (this.status.proactive || this.status.visitors) this.loadProactive(this.status);
    this.view.restyle();
    if (!this.conversation.chat && this.token && this.status.chat_id) {
      // A chat started in another tab (or storage was cleared): pick it up.
      this.adopt(this.status.chat_id, 0, this.status.chat_state ?? "waiting");
      await this.resume();
    }
    if (this.conversation.chat) this.view.renderChatState();
    if (this.view.isOpen && this.view.screen === "loading") this.decideScreen();
    else this.view.renderHeader();
  }

  private adopt(id: number, seq: number, state: string): void {
    this.conversation.adopt(id, seq, state);
    this.view.buildConvo();
  }

  /** After a reload, a navigation or in a second tab: history over HTTP, then the socket. */
  private resume(): Promise<void> {
    return this.history.load();
  }

  /** The history was applied to the conversation: drawn, then followed live unless it ended. */
  historyLoaded(): void {
    const chat = this.conversation.chat;
    this.view.buildConvo();
    if (this.view.screen === "convo") this.view.renderScreen();
    this.markRead();
    if (chat?.state === "ended") this.live.stopTyping();
    else this.live.connect();
  }

  async startChat(values: FormValues): Promise<void> {
    this.view.showNotice(null);
    const cmid = this.session.get<string>("draft:cmid") ?? uuid();
    this.session.set("draft:cmid", cmid);
    const invited = this.session.get<ProactiveMessage>("proactive");
    try {
      await this.ensureVisitor();
      const read = await this.api<ChatRead>("POST", "/chats", {
        name: values.name,
        email: values.email || null,
        text: values.text,
        client_msg_id: cmid,
        page_url: location.href.slice(0, 2000),
        page_title: pageTitle().slice(0, 500),
        proactive_message_id: invited?.invitation ? null : invited?.id,
        invitation_id: invited?.invitation,
        // For the mail the visitor gets from this chat: its words and its times.
        locale: pickLocale(this.cfg.locale),
        time_zone: timeZone(),
      });
      for (const key of ["draft:message", "draft:cmid", "proactive"]) this.session.set(key, null);
      this.adopt(read.id, 0, read.state);
      for (const event of read.events) this.apply(event, false);
      this.conversation.chat!.state = read.state;
      this.conversation.chat!.email = read.reply_by_email;
      this.conversation.save();
      this.view.renderChatState();
      this.view.setScreen("convo");
      // A proactive message is the chat's first line, seen already: no unread badge for it.
      this.markRead();
      this.live.connect();
      void this.loadQueue();
      this.emit("chat:started", { chatId: read.id });
      this.view.focusPanel();
    } catch (error) {
      if (error instanceof ApiError && error.code === "no_agents_online") {
        if (this.status) this.status.online = false;
        this.view.setScreen("contact");
      } else if (error instanceof ApiError && error.code === "inbox_closed") {
        // The hours ended while the form was open: say when we are back, keep what was typed.
        await this.refreshOnline(true);
      }
      this.view.showProblems(formProblems(this.t, error));
    }
  }

  async sendContact(values: FormValues): Promise<void> {
    this.view.showNotice(null);
    try {
      await this.ensureVisitor();
      const created = await this.api<{
        reference: number;
        reply_expected_from?: string | null;
      }>("POST", "/contact", {
        name: values.name,
        email: values.email,
        text: values.text,
        page_url: location.href.slice(0, 2000),
      });
      this.session.set("draft:message", null);
      this.session.set("reference", created.reference);
      this.session.set("replyFrom", created.reply_expected_from ?? null);
      this.view.setScreen("done");
      this.view.focusPanel();
    } catch (error) {
      this.view.showProblems(formProblems(this.t, error));
    }
  }

  /** The visitor is done: the chat ends for everyone, as when an agent ends it (docs/chat.md). */
  async endChat(): Promise<void> {
    const chat = this.conversation.chat;
    if (!chat || chat.state === "ended") return;
    this.view.showNotice(null);
    try {
      const read = await this.api<ChatRead>("POST", `/chats/${chat.id}/end`);
      // The socket brings chat.ended too; whichever comes first is drawn, the other is known.
      for (const event of read.events) this.apply(event, true);
      if (this.conversation.chat === chat) chat.state = read.state;
      this.conversation.save();
      this.view.renderChatState();
    } catch (error) {
      // Ended meanwhile: a history asked for now shows how (one on its way may predate the end).
      if (error instanceof ApiError && error.code === "chat_ended") void this.history.load(true);
      else this.view.showNotice(errorText(this.t, error));
    }
  }

  chatChanged(): void {
    this.conversation.save();
    this.view.renderChatState();
  }

  newChat(): void {
    // What the visitor wrote that the chat's end overtook is the new chat's first message, to
    // send or change (docs/messenger.md): never thrown away without being shown.
    const unsent = this.conversation.takeUnsent();
    if (unsent && !this.session.get("draft:message")) this.session.set("draft:message", unsent);
    this.live.disconnect();
    this.conversation.clear();
    this.view.buildConvo();
    this.updateBadge();
    this.view.setScreen("loading");
    void this.loadStatus(true).then(() => this.view.focusPanel());
  }

  /** The token is no longer valid (or the host called clearIdentity): start afresh. */
  forget(keepToken = false): void {
    this.live.disconnect();
    if (!keepToken) {
      this.token = null;
      this.identity = null;
      for (const key of ["token", "identity"]) this.local.set(key, null);
      for (const key of ["name", "email", "message", "composer", "cmid"]) {
        this.session.set(`draft:${key}`, null);
      }
    }
    this.conversation.clear(true);
    this.view.buildConvo();
    this.updateBadge();
    if (this.view.isOpen) this.decideScreen();
    else this.view.screen = "loading";
  }

  /** An event of the chat: applied once by the conversation, then drawn, announced and alerted. */
  apply(event: Envelope, live: boolean): void {
    const conversation = this.conversation;
    const chat = conversation.chat;
    if (!chat || !conversation.apply(event)) return;
    this.view.convo.draw(event);
    const message = event.data.message as Message | undefined;
    if (message?.author.kind === "agent" && live) this.alert();
    if (message && live) {
      this.emit("message", { chatId: chat.id, author: message.author, text: message.text });
    }
    if (event.type === "chat.ended") {
      this.live.stopTyping();
      this.view.convo.markUnsent();
      if (live) {
        this.live.disconnect();
        this.emit("chat:ended", {
          chatId: chat.id,
          reason: event.data.reason,
          transcriptEmailed: Boolean(event.data.transcript_emailed),
        });
      }
    }
    if (live) {
      this.view.clearOffline(); // the server's event came: the network is back
      conversation.save();
      this.view.renderChatState();
      this.markRead();
      this.updateBadge();
    }
  }

  /** Messages of a tab that is gone, now this tab's to send: drawn as on their way. */
  private tookOver(outbox: Outbox): void {
    const chat = this.conversation.chat;
    for (const item of this.conversation.takeOver(outbox.pending, outbox.unsent)) {
      // Drawn already: stored, or redrawn from the conversation since.
      if (item.chatId !== chat?.id || this.view.convo.drawn(item.cmid)) continue;
      if (item.files) this.view.convo.drawUpload(item.cmid, item.files.names);
      else this.view.convo.drawOwn(item.text, item.cmid, "sending");
    }
    this.view.convo.markUnsent();
    this.view.renderChatState();
  }

  /** The words of the language chosen when messenger.js does not carry them (French:
   * messenger-fr.js, docs/messenger.md "Languages"). The messenger is held hidden until they come,
   * so that a French visitor never sees an English word first; not loaded (the network), it
   * speaks English. Loaded by a script tag, as proactive's part: a site's policy that allows
   * messenger.js allows it. */
  private loadWords(): void {
    const locale = pickLocale(this.cfg.locale);
    const view = this.view;
    view.hold(spoken(locale) !== locale);
    if (spoken(locale) === locale) return;
    // A request that hangs must not hide the messenger for as long as the browser waits: after
    // WORDS_WAIT_MS it shows in English, and turns French when the words come (a panel open in
    // English, once closed).
    let shown = false;
    const late = window.setTimeout(() => {
      shown = true;
      view.hold(false);
    }, WORDS_WAIT_MS);
    const done = (): void => {
      window.clearTimeout(late);
      // Another language was chosen meanwhile: its own load, or its words at hand, decide.
      if (pickLocale(this.cfg.locale) !== locale) return;
      if (spoken(locale) !== locale) console.warn(`frontdesk: messenger-${locale}.js could not be loaded: the messenger speaks English`);
      // Come late, to a panel the visitor has open in English: nothing changes under their eyes
      // and fingers; the words wait for it to close.
      else if (shown && view.isOpen) this.wordsLater = locale;
      else this.speak(locale);
      view.hold(false);
    };
    document.head.appendChild(
      Object.assign(document.createElement("script"), { src: `${this.base}/messenger-${locale}.js`, async: true, onload: done, onerror: done }),
    );
  }

  /** The words of `locale`, come, spoken: everything drawn again in them, as it was. */
  private speak(locale: string): void {
    this.wordsLater = undefined;
    if (pickLocale(this.cfg.locale) !== locale) return;
    this.t = translator(locale);
    this.redraw(this.view);
  }

  /** The proactive messages' script (proactive.ts), loaded once and only when the inbox has some:
   * a page of an inbox without any downloads nothing more (docs/messenger.md, "Size"). */
  private loadProactive(status: Status): void {
    const host = this.view.host;
    if (host.dataset.proactive) return;
    host.dataset.proactive = "1";
    host.addEventListener("fd-proactive", (event) => (event as CustomEvent<(host: ProactiveHost) => void>).detail({
      status,
      base: this.base,
      api: this.api,
      inbox: this.inbox,
      local: this.local,
      locale: pickLocale(this.cfg.locale),
      busy: () => this.view.isOpen || Boolean(this.conversation.chat && this.conversation.chat.state !== "ended"),
      online: () => this.fetchStatus().then((status) => (this.status = status).online, () => false),
      on: (name, fn) => this.on(name, fn),
      navigated: (fn) => (this.navigated = fn),
      mount: (element, css) => this.view.extend(element, css),
      engage: (message) => {
        this.session.set("proactive", message);
        if (this.view.screen === "chat") this.view.renderScreen();
        this.open();
      },
      focusLauncher: () => this.view.focusLauncher(),
    }), { once: true });
    document.head.appendChild(Object.assign(document.createElement("script"), { src: `${this.base}/messenger-proactive.js`, async: true }));
  }

  private alert(): void {
    if (this.view.isOpen && !document.hidden) return;
    if (!this.local.get("muted")) chime();
    flashTitle();
  }

  private markRead(): void {
    if (this.view.isOpen && !document.hidden) this.conversation.read();
    this.updateBadge();
  }

  private updateBadge(): void {
    const count = this.conversation.unread;
    this.view.renderBadge(count);
    if (count !== this.unread) {
      this.unread = count;
      this.emit("unread", count);
    }
  }

  /**
   * While the panel is open: a waiting visitor's place in line and, before any chat, whether
   * anyone is online. Agents come and go (one who closes the desk is offline a minute later), so
   * the status read when the page loaded says nothing of now.
   */
  private pollQueue(): void {
    clearInterval(this.queueTimer);
    const poll = () => {
      if (this.conversation.chat?.state === "waiting") void this.loadQueue();
      else if (!this.conversation.chat && this.status) void this.refreshOnline();
    };
    this.queueTimer = window.setInterval(() => this.view.isOpen && poll(), 10_000);
    poll();
  }

  /** The form follows who is online: the chat form or the contact form, never a promise of a
   * chat nobody will answer. A visitor typing keeps their form (a refused start switches it). */
  private async refreshOnline(force = false): Promise<void> {
    const before = `${this.status?.online} ${this.status?.state}`;
    try {
      this.status = await this.fetchStatus();
    } catch {
      return;
    }
    if (this.conversation.chat) return;
    const onForm = this.view.screen === "chat" || this.view.screen === "contact";
    const now = `${this.status.online} ${this.status.state}`;
    if (onForm && (force || (now !== before && !this.view.typing()))) this.decideScreen();
    else this.view.renderHeader();
  }

  private async loadQueue(): Promise<void> {
    try {
      this.status = await this.fetchStatus();
    } catch {
      return;
    }
    if (this.conversation.chat?.state === "waiting") this.view.convo.renderQueue();
    this.view.renderHeader();
  }

  private watchPage(): void {
    watchNavigation(() => {
      this.live.reportPage();
      this.navigated?.();
    });
    // The chime needs a gesture on this page load (a reload or a navigation forgets the last
    // one): any the visitor makes on the page while a chat is held, not only opening the panel.
    // pointerdown counts for a mouse, pointerup for touch (the browsers' activation rules).
    const gestures = ["pointerdown", "pointerup", "keydown"] as const;
    const unlock = (): void => {
      if (this.conversation.chat?.state === "ended" || !this.conversation.chat) return;
      if (!unlockAudio()) return;
      for (const type of gestures) document.removeEventListener(type, unlock, true);
    };
    for (const type of gestures) document.addEventListener(type, unlock, { capture: true, passive: true });
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) return;
      restoreTitle();
      this.markRead();
    });
    window.addEventListener("storage", (event) => {
      // Another tab started a chat: follow it, so both tabs show the same thing. Only forward: a
      // tab still showing an older chat (ended, say) does not take this one back to it.
      if (this.local.owns(event.key) !== "chat") return;
      const other = this.kept.get<{ id: number; seq: number; state: string }>("chat");
      if (other && other.id > (this.conversation.chat?.id ?? 0)) {
        this.token = this.local.get("token");
        this.live.disconnect();
        this.adopt(other.id, 0, other.state);
        void this.resume();
        if (this.view.isOpen) this.view.setScreen("convo");
      }
    });
  }
}
