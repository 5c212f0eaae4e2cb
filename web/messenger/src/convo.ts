// The conversation screen: the log of messages and notices, the agent's typing indicator, the
// waiting and ended cards, and the composer. It draws what the conversation state holds and
// hands what the visitor does to the messenger.

import { append, h, icon, ICONS } from "./dom";
import { emailForm } from "./email";
import { PAPERCLIP, refusalText, type Attachment } from "./files";
import { dateLocale, timeWords, waitedTooLong, waitWords } from "./hours";
import { pickLocale } from "./i18n";
import { linkParts } from "./links";
import { place as placeBySeq } from "./order";
import { showRating } from "./rating";
import type { Envelope, Message, User } from "./types";
import type { App } from "./view";

export class ConvoView {
  readonly root: HTMLElement;
  readonly log: HTMLElement;
  readonly typing: HTMLElement;
  readonly waiting: HTMLElement;
  /** The waiting card's words, a live region: replaced only when they change. */
  private readonly queue: HTMLElement;
  private queueWords = "";
  readonly ended: HTMLElement;
  /** The log's scrolling box, and whether the visitor is at its bottom (kept there as it grows
   * or shrinks: a message, a thumbnail, the rating card, the on-screen keyboard). */
  private readonly scroller: HTMLElement;
  private pinned = true;
  readonly composer: HTMLFormElement;
  /** "End chat", and once pressed the question that makes sure. */
  private readonly endBar: HTMLElement;
  readonly input: HTMLTextAreaElement;
  /** The visitor's own bubbles by client_msg_id, to mark them sent, retrying or failed. */
  private readonly bubbles = new Map<string, HTMLElement>();
  /** The agents in the chat, for the header. */
  readonly agents = new Map<number, string>();
  private agentTypingTimer = 0;

  constructor(private readonly app: App) {
    const t = app.t;
    const input = h("textarea", {
      rows: 1,
      class: "composer-input",
      dir: "auto",
      "aria-label": t("message"),
      placeholder: t("typeMessage"),
    });
    input.value = app.session.get<string>("draft:composer") ?? "";
    input.addEventListener("input", () => {
      app.session.set("draft:composer", input.value || null);
      this.autoGrow();
      if (input.value) app.live.startTyping(input.value);
      else app.live.stopTyping();
    });
    // Files: the paperclip's picker, a paste, or a drop anywhere on the conversation.
    input.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files ?? [])];
      if (files.length) {
        event.preventDefault();
        app.live.sendFiles(files);
      }
    });
    const picker = h("input", { type: "file", multiple: true, hidden: true, tabindex: -1 });
    picker.addEventListener("change", () => {
      app.live.sendFiles([...(picker.files ?? [])]);
      picker.value = "";
    });
    const attach = h(
      "button",
      {
        type: "button",
        class: "attach",
        "aria-label": t("attach"),
        title: t("attach"),
        onclick: () => picker.click(),
      },
      icon(...PAPERCLIP),
    );
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
          if (!text.trim() || !app.conversation.chat) return;
          input.value = "";
          app.session.set("draft:composer", null);
          this.autoGrow();
          app.live.stopTyping();
          app.live.send(text);
          input.focus();
        },
      },
      picker,
      attach,
      input,
      h(
        "button",
        { type: "submit", class: "send", "aria-label": t("send"), title: t("send") },
        icon(...ICONS.send),
      ),
    );
    this.log = h("ol", {
      class: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": t("chatLog"),
    });
    this.typing = h("p", { class: "typing", hidden: true });
    this.queue = h("div", { class: "queue", role: "status" });
    this.waiting = h(
      "div",
      { class: "card waiting", hidden: true },
      h(
        "div",
        { class: "waiting-head" },
        h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
        this.queue,
      ),
    );
    // Not a live region: its end is announced once by the view (View.announceEnd).
    this.ended = h("div", { class: "card ended", hidden: true });
    this.endBar = h("div", { class: "end-bar", hidden: true });
    const content = h("div", { class: "scroll-body" }, this.log, this.typing, this.waiting, this.ended);
    this.scroller = h("div", { class: "scroll" }, content);
    this.root = h("div", { class: "convo" }, this.scroller, composer, this.endBar);
    this.keepPinned(content);
    this.composer = composer;
    this.input = input;
    this.root.addEventListener("dragover", (event) => {
      if (!event.dataTransfer?.types.includes("Files") || composer.hidden) return;
      event.preventDefault();
      this.root.classList.add("dropping");
    });
    this.root.addEventListener("dragleave", (event) => {
      if (!this.root.contains(event.relatedTarget as Node | null)) this.root.classList.remove("dropping");
    });
    this.root.addEventListener("drop", (event) => {
      this.root.classList.remove("dropping");
      const files = [...(event.dataTransfer?.files ?? [])];
      if (!files.length || composer.hidden) return;
      event.preventDefault();
      app.live.sendFiles(files);
    });
    // Redraw what we know: after a change of language, or a new chat.
    const { chat, events, pending, unsent } = app.conversation;
    for (const event of events) this.draw(event);
    // Files not sent (the messages after them went on), then what is still on its way.
    for (const { item, error, retry } of app.live.notSent.values()) {
      if (item.chatId !== chat?.id || this.bubbles.has(item.cmid)) continue;
      this.drawUpload(item.cmid, item.files!.names);
      this.filesNotSent(item.cmid, refusalText(app.t, error, item.files!.names), retry);
    }
    for (const item of [...unsent, ...pending]) {
      if (item.chatId !== chat?.id) continue;
      if (item.files) this.drawUpload(item.cmid, item.files.names);
      else this.drawOwn(item.text, item.cmid, "sending");
    }
    this.markUnsent();
  }

  private autoGrow(): void {
    const input = this.input;
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  }

  /** A visitor at the bottom of the log stays there whatever changes its size or its box's:
   * what arrives (a message, a thumbnail that loads, the rating card shown once its offer is
   * known) and the box itself (the panel opened, the on-screen keyboard). One who scrolled up to
   * read stays where they are. */
  private keepPinned(content: HTMLElement): void {
    const scroller = this.scroller;
    // Only the visitor scrolls up; our own scrolls go down, and their events may come after the
    // log grew again (several messages at once): judged then, they would unpin it.
    let top = 0;
    const scrolled = (): void => {
      if (scroller.scrollTop < top - 1 || this.nearBottom()) this.pinned = this.nearBottom();
      top = scroller.scrollTop;
    };
    scroller.addEventListener("scroll", scrolled, { passive: true });
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (this.pinned) scroller.scrollTop = scroller.scrollHeight;
    });
    observer.observe(scroller);
    observer.observe(content);
  }

  private nearBottom(): boolean {
    const scroller = this.scroller;
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  }

  private scrollDown(force = false): void {
    const scroller = this.scroller;
    if (!force && !this.nearBottom()) return;
    this.pinned = true;
    requestAnimationFrame(() => (scroller.scrollTop = scroller.scrollHeight));
  }

  private line(text: string, seq: number | null): void {
    this.place(h("li", { class: "system", text }), seq);
    this.scrollDown();
  }

  /** Puts an item of the log in its place, by its seq (order.ts). */
  private place(item: HTMLElement, seq: number | null | undefined): void {
    placeBySeq(this.log, item, seq);
  }

  /** Whether the visitor's message of this client_msg_id is on screen. */
  drawn(cmid: string): boolean {
    return this.bubbles.has(cmid);
  }

  /** The messages the chat's end overtook: "Not sent", their text kept for a new chat. */
  markUnsent(): void {
    const chat = this.app.conversation.chat;
    for (const item of this.app.conversation.unsent) {
      if (item.chatId === chat?.id) this.markOwn(item.cmid, "failed", this.app.t("ended"));
    }
  }

  private files(message: Message): HTMLElement | null {
    const chat = this.app.conversation.chat;
    const attachments = (message as { attachments?: Attachment[] }).attachments;
    return chat && attachments?.length ? this.app.files.render(chat.id, attachments) : null;
  }

  drawOwn(
    text: string,
    cmid: string | null,
    state?: "sending",
    files?: HTMLElement | null,
    at?: string,
  ): HTMLElement {
    const bubble = h(
      "li",
      { class: "msg own", "data-state": state },
      h("span", { class: "sr", text: `${this.app.t("you")}: ` }),
      text ? messageText(text) : null,
      files,
      h("span", { class: "meta", text: state ? this.app.t("sending") : "" }),
      this.time(at),
    );
    if (cmid) this.bubbles.set(cmid, bubble);
    this.log.appendChild(bubble);
    this.scrollDown(true);
    return bubble;
  }

  /** The visitor's files on their way: names and one progress bar, until the message arrives. */
  drawUpload(cmid: string, names: string): void {
    const t = this.app.t;
    this.bubbles.get(cmid)?.remove();
    const bubble = h(
      "li",
      { class: "msg own upload", "data-state": "sending" },
      h("span", { class: "sr", text: `${t("you")}: ` }),
      h("p", { class: "text", dir: "auto", text: names }),
      h("progress", { class: "upload-bar", max: 100, value: 0, "aria-label": t("uploading") }),
      h("span", { class: "meta", text: t("uploading") }),
    );
    this.bubbles.set(cmid, bubble);
    this.log.appendChild(bubble);
    this.scrollDown(true);
  }

  /** How far a message's files have uploaded, 0 to 1: going again after trouble. */
  progress(cmid: string, share: number): void {
    const bubble = this.bubbles.get(cmid);
    const bar = bubble?.querySelector("progress");
    if (!bubble || !bar) return;
    bar.value = Math.round(share * 100);
    if (bubble.dataset.state === "retrying") this.markOwn(cmid, "sending");
  }

  /** A message of files not sent: why, with Discard, and Retry when sending again may help. */
  filesNotSent(cmid: string, reason: string, retry: boolean): void {
    const { t, live } = this.app;
    this.markOwn(cmid, "failed", reason);
    const bubble = this.bubbles.get(cmid);
    if (!bubble) return;
    const names = bubble.querySelector(".text")?.textContent ?? "";
    const button = (text: string, label: string, onclick: () => void) =>
      h("button", { type: "button", class: "link-button", text, "aria-label": label, onclick });
    bubble.querySelector(".actions")?.remove();
    bubble.append(
      h(
        "span",
        { class: "actions" },
        retry ? button(t("retry"), t("retryFiles", { name: names }), () => live.retryFiles(cmid)) : null,
        button(t("discard"), t("discardFiles", { name: names }), () => live.discardFiles(cmid)),
      ),
    );
  }

  /** A message of files discarded: gone from the log; the keyboard goes back to the composer. */
  removeOwn(cmid: string): void {
    const bubble = this.bubbles.get(cmid);
    if (!bubble) return;
    const focused = bubble.matches(":focus-within");
    bubble.remove();
    this.bubbles.delete(cmid);
    if (focused) this.input.focus();
  }

  markOwn(cmid: string, state: "sent" | "sending" | "retrying" | "failed", reason = ""): void {
    const bubble = this.bubbles.get(cmid);
    if (!bubble) return;
    const meta = bubble.querySelector(".meta")!;
    if (state === "sent" || state === "failed") bubble.querySelector(".upload-bar")?.remove();
    if (state === "sent") {
      bubble.removeAttribute("data-state");
      meta.textContent = "";
    } else if (state === "sending") {
      bubble.setAttribute("data-state", state);
      meta.textContent = this.app.t("uploading");
    } else {
      bubble.setAttribute("data-state", state);
      meta.textContent =
        state === "failed" ? this.app.t("failed", { reason }) : this.app.t("notSent");
    }
  }

  /** A message refused for good: its text goes back into an empty composer. */
  giveBack(text: string): void {
    if (this.input.value) return;
    this.input.value = text;
    this.app.session.set("draft:composer", text);
  }

  /** When a message was stored, small under it: shown under the last of a run of one side's
   * messages, and on hover or focus for the others (style.css). */
  private time(at: string | undefined): HTMLElement | null {
    if (!at) return null;
    const text = timeWords(dateLocale(pickLocale(this.app.cfg.locale)), at);
    return text ? h("time", { class: "at", datetime: at, text }) : null;
  }

  draw(event: Envelope): void {
    const t = this.app.t;
    const data = event.data;
    const user = data.user as User | undefined;
    switch (event.type) {
      case "chat.message_added": {
        const message = data.message as Message;
        const own = message.client_msg_id ? this.bubbles.get(message.client_msg_id) : undefined;
        if (message.author.kind === "visitor") {
          if (own?.classList.contains("upload")) {
            // The files arrived: the upload bubble becomes the message as everyone sees it.
            const files = this.files(message);
            own.classList.remove("upload");
            own.querySelector(".upload-bar")?.remove();
            own.querySelector(".actions")?.remove();
            own.querySelector(".text")?.remove();
            if (message.text) own.querySelector(".sr")!.after(messageText(message.text));
            if (files) own.querySelector(".meta")!.before(files);
            this.markOwn(message.client_msg_id!, "sent");
          } else if (own) this.markOwn(message.client_msg_id!, "sent");
          if (own && !own.querySelector(".at")) append(own, this.time(message.created_at));
          // Drawn when written; now stored, it takes its place in the server's order.
          this.place(
            own ?? this.drawOwn(message.text, message.client_msg_id, undefined, this.files(message), message.created_at),
            event.seq,
          );
        } else if (message.author.kind === "agent") {
          this.place(
            h(
              "li",
              { class: "msg agent" },
              // The separator is for screen readers, as "You: " is on the visitor's own.
              h("span", { class: "author" }, message.author.name, h("span", { class: "sr", text: ": " })),
              message.text ? messageText(message.text) : null,
              this.files(message),
              this.time(message.created_at),
            ),
            event.seq,
          );
          this.showTyping(null);
          this.scrollDown();
        } else this.line(message.text, event.seq);
        break;
      }
      case "chat.joined":
        if (user) {
          this.agents.set(user.id, user.name);
          this.line(t("joined", { name: user.name }), event.seq);
        }
        break;
      case "chat.left": {
        if (!user) break;
        this.agents.delete(user.id);
        // A transfer too reads as a leave: hand-offs between agents are not the visitor's.
        this.line(t("left", { name: user.name }), event.seq);
        break;
      }
      case "chat.ended":
        this.showTyping(null);
        break;
    }
  }

  /** The waiting and ended cards and the composer, for the chat's state. */
  renderState(): void {
    const { chat, events } = this.app.conversation;
    const t = this.app.t;
    const { waiting, ended, composer } = this;
    const last = events.filter((e) => e.type === "chat.ended").pop();
    // The card that says a chat is waiting shows under the visitor's first message: in view.
    if (waiting.hidden && chat?.state === "waiting") this.scrollDown(true);
    waiting.hidden = chat?.state !== "waiting";
    ended.hidden = chat?.state !== "ended";
    composer.hidden = chat?.state === "ended";
    this.renderEndBar(false);
    if (chat?.state === "waiting") this.renderQueue();
    showRating(this.app, ended, chat?.state === "ended" ? chat.id : null);
    if (chat?.state === "ended") {
      const unanswered = last?.data.reason === "unanswered";
      // Chats ended before the server said whether it has an address promise the email reply;
      // an address given since (the ended card's own form) counts too.
      const byEmail = last?.data.reply_by_email !== false || Boolean(chat.email);
      // Nobody answered and we have no address: the card takes one, for this chat's ticket.
      const ask = unanswered && !byEmail;
      ended.replaceChildren();
      append(
        ended,
        h("p", { class: "card-title", text: !unanswered ? t("ended") : ask ? t("endedAsk") : t("endedUnanswered") }),
        ask ? h("p", { text: t("endedAskEmail") }) : null,
        ask ? emailForm(this.app, chat.id) : null,
        last?.data.transcript_emailed ? h("p", { text: t("transcript") }) : null,
        this.app.conversation.unsent.some((p) => p.chatId === chat.id && !p.files)
          ? h("p", { text: t("unsentKept") })
          : null,
        h("button", {
          type: "button",
          class: ask ? "secondary" : "primary",
          text: t("newChat"),
          onclick: () => this.app.newChat(),
        }),
      );
      this.scrollDown(true);
    }
  }

  private renderEndBar(asking: boolean): void {
    const t = this.app.t;
    const chat = this.app.conversation.chat;
    this.endBar.hidden = !chat || chat.state === "ended";
    if (this.endBar.hidden) return;
    const button = (text: string, onclick: () => void, cls = "link-button"): HTMLButtonElement =>
      h("button", { type: "button", class: cls, text, onclick });
    if (!asking) {
      this.endBar.replaceChildren(button(t("endChat"), () => this.renderEndBar(true)));
      return;
    }
    const keep = button(t("keepChatting"), () => {
      this.renderEndBar(false);
      this.input.focus();
    });
    this.endBar.replaceChildren(
      h("span", { text: t("endChatAsk") }),
      button(t("endChat"), () => void this.app.endChat(), "link-button danger"),
      keep,
    );
    keep.focus();
  }

  /** The waiting card: the place in line and the usual wait; once that wait is over, that it is
   * taking longer, with a field for the visitor's email when the chat has none. Its words are
   * replaced only when they change: it is a live region, read again at every change. */
  renderQueue(): void {
    const { t, status, conversation } = this.app;
    const chat = conversation.chat;
    const mine = chat != null && status?.chat_id === chat.id;
    const position = mine ? status?.queue_position : null;
    const wait = mine ? status?.estimated_wait_seconds : null;
    const late = chat != null && this.late();
    const lines = [
      late ? t("waitingLong") : t("waiting"),
      position != null ? (position <= 1 ? t("queueNext") : t("queue", { n: position })) : "",
      late
        ? t(chat.email ? "waitingEmailKept" : "waitingEmailAsk")
        : wait != null
          ? t("wait", { t: waitWords(t, wait) })
          : "",
    ].filter(Boolean);
    // The place and the wait arrive after the card: they stay in view too (near the bottom is
    // judged now, before they grow the card).
    this.scrollDown();
    if (lines.join("\n") !== this.queueWords) {
      this.queueWords = lines.join("\n");
      const [title, ...rest] = lines;
      this.queue.replaceChildren(
        h("p", { class: "card-title", text: title }),
        ...rest.map((line) => h("p", { text: line })),
      );
    }
    // Outside the live region: a form is no announcement.
    const form = late && !chat.email ? emailForm(this.app, chat.id) : null;
    for (const other of this.waiting.querySelectorAll("form")) if (other !== form) other.remove();
    if (form && form.parentElement !== this.waiting) this.waiting.append(form);
  }

  /** The chat waits, and longer than the usual wait the card promised (measured by the server). */
  late(): boolean {
    const { status, conversation } = this.app;
    const chat = conversation.chat;
    if (chat?.state !== "waiting") return false;
    const mine = status?.chat_id === chat.id;
    return waitedTooLong(mine ? status?.waited_seconds : null, mine ? status?.estimated_wait_seconds : null);
  }

  showTyping(name: string | null): void {
    clearTimeout(this.agentTypingTimer);
    const el = this.typing;
    el.hidden = !name;
    el.replaceChildren(
      ...(name
        ? [
            h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
            this.app.t("typing", { name }),
          ]
        : []),
    );
    // A lost "stopped typing" must not leave the indicator up forever.
    if (name) this.agentTypingTimer = window.setTimeout(() => this.showTyping(null), 15_000);
    this.scrollDown();
  }
}

/** A message's text: its web addresses are links (opened in a new tab), and each message takes
 * its own direction from its first letters, so Arabic reads right to left on an English page. */
function messageText(text: string): HTMLParagraphElement {
  const paragraph = h("p", { class: "text", dir: "auto" });
  for (const part of linkParts(text)) {
    append(
      paragraph,
      part.href
        ? h("a", { href: part.href, target: "_blank", rel: "noopener noreferrer nofollow ugc", text: part.text })
        : part.text,
    );
  }
  return paragraph;
}
