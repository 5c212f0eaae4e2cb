// The live side of a chat: the socket (its hello names the chat held, see conversation.ts), the
// frames it brings, and everything the visitor sends while chatting: messages until they are
// acknowledged, typing, the page they are on and whether the panel is minimized. HTTP stands in
// for the socket while it is down.

import type { Conversation, Pending } from "./conversation";
import type { History } from "./history";
import { errorText } from "./errors";
import type { Translate } from "./i18n";
import { ApiError, frameError, Socket, type Fetcher, type FrameError, type Json } from "./net";
import { pageChanged, pageUnreported } from "./page";
import type { Envelope, Message } from "./types";
import type { View } from "./view";

/** What the live side needs from the messenger. */
export interface Host {
  readonly conversation: Conversation;
  readonly view: View;
  readonly t: Translate;
  readonly token: string | null;
  /** A chat event from the socket. */
  apply(event: Envelope, live: boolean): void;
  /** The token or the chat is not valid any more. */
  forget(keepToken: boolean): void;
  /** The chat's history: fetched again when the server says the chat ended, to show how. */
  readonly history: Pick<History, "load">;
}

const TYPING_IDLE = 3000;

export class Live {
  private socket: Socket | null = null;
  private typingSent = false;
  private typingTimer = 0;
  private reconnectNotice = 0;
  private resendTimer = 0;

  constructor(
    private readonly url: string,
    private readonly api: Fetcher,
    private readonly host: Host,
  ) {
    window.addEventListener("online", () => {
      if (this.socket) host.view.showNotice(null);
      this.socket?.nudge();
      this.flush(true);
    });
    // The browser knows before the socket does (which may take two heartbeats, about a minute):
    // a visitor writing meanwhile is told at once that their messages wait for the network.
    window.addEventListener("offline", () => {
      if (this.socket && host.conversation.chat?.state !== "ended") host.view.showNotice(host.t("offlineError"));
    });
  }

  connect(): void {
    if (this.socket) return;
    const { host } = this;
    this.socket = new Socket(this.url, {
      hello: () => ({ token: host.token, chats: host.conversation.held() }),
      frame: (frame) => this.onFrame(frame),
      up: () => {
        clearTimeout(this.reconnectNotice);
        host.view.showNotice(null);
        pageUnreported();
        this.reportPage();
        this.reportMinimized();
        this.flush(true);
      },
      down: () => {
        clearTimeout(this.reconnectNotice);
        this.reconnectNotice = window.setTimeout(() => {
          if (host.conversation.chat?.state !== "ended") host.view.showNotice(host.t("reconnecting"));
        }, 3000);
      },
      fatal: (code) => {
        this.socket = null;
        if (code === 4401) host.forget(false);
        else host.view.setScreen("broken");
      },
    });
    this.socket.start();
  }

  disconnect(): void {
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
      const error = frameError(frame.error as FrameError);
      if (ref.startsWith("m:")) this.sendFailed(ref.slice(2), error);
      else if (ref === "hello" && error.code === "not_found") this.host.forget(true);
      return;
    }
    if (frame.type === "chat.typing") {
      const data = frame.data as { chat_id: number; author: Message["author"]; typing: boolean };
      if (data.chat_id === this.host.conversation.chat?.id && data.author.kind === "agent") {
        this.host.view.convo.showTyping(data.typing ? data.author.name : null);
      }
      return;
    }
    this.host.apply(frame as unknown as Envelope, true);
  }

  // --- the visitor's messages -------------------------------------------------------------------

  send(text: string): void {
    const item = this.host.conversation.add(text);
    this.host.view.convo.drawOwn(text, item.cmid, "sending");
    this.flush(false);
  }

  /** While messages are pending, the first is sent again when unanswered for a while; one
   * acknowledged (by its ack or its event) lets the next go. */
  pendingChanged(count: number): void {
    clearInterval(this.resendTimer);
    if (!count) return;
    this.resendTimer = window.setInterval(() => this.flush(false), 3000);
    // One acknowledged by its event: the next goes now. (Until the socket is up, `up` sends.)
    if (this.socket?.ready) queueMicrotask(() => this.flush(false));
  }

  /** Sends the first message not acknowledged yet when it is its turn (Conversation.next), with
   * the same client_msg_id every time: the server dedupes. One at a time, in order. */
  private flush(again: boolean): void {
    const item = this.host.conversation.next(again);
    if (item) this.trySend(item);
  }

  private trySend({ cmid, chatId, text }: Pending): void {
    const conversation = this.host.conversation;
    conversation.tried(cmid);
    const frame = { type: "message", ref: `m:${cmid}`, chat_id: chatId, text };
    if (this.socket?.send({ ...frame, client_msg_id: cmid })) return;
    conversation.inflight.add(cmid);
    this.api<{ seq: number }>("POST", `/chats/${chatId}/messages`, { text, client_msg_id: cmid })
      .then(() => this.delivered(cmid))
      .catch((error: unknown) => this.sendFailed(cmid, error))
      .finally(() => conversation.inflight.delete(cmid));
  }

  private delivered(cmid: string): void {
    this.host.conversation.acknowledged(cmid);
    this.host.view.convo.markOwn(cmid, "sent");
    this.host.view.clearOffline();
    this.flush(false);
  }

  private sendFailed(cmid: string, error: unknown): void {
    const failed = this.host.conversation.failed(cmid, error);
    if (!failed) return;
    const { view } = this.host;
    if (failed.retry) {
      view.convo.markOwn(cmid, "retrying");
      view.showError(error);
      return;
    }
    view.clearOffline(); // the server answered: the network is back
    if (error instanceof ApiError && error.code === "chat_ended") {
      // The chat ended before it arrived: kept for a new chat with the ones after it (the ended
      // card offers it), all marked "Not sent: This chat has ended."
      view.convo.markUnsent();
      this.disconnect();
      void this.host.history.load(true);
    } else {
      // Refused for good (too long…): say why and give the text back; the next one goes on.
      view.convo.markOwn(cmid, "failed", errorText(this.host.t, error));
      view.convo.giveBack(failed.item.text);
      this.flush(false);
    }
  }

  // --- typing and presence ----------------------------------------------------------------------

  startTyping(): void {
    clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => this.stopTyping(), TYPING_IDLE);
    const chat = this.host.conversation.chat;
    if (!this.typingSent && chat && chat.state !== "ended") {
      this.typingSent = Boolean(this.socket?.send({ type: "typing", chat_id: chat.id, typing: true }));
    }
  }

  stopTyping(): void {
    clearTimeout(this.typingTimer);
    const chat = this.host.conversation.chat;
    if (this.typingSent && chat) this.socket?.send({ type: "typing", chat_id: chat.id, typing: false });
    this.typingSent = false;
  }

  /** Presence is only reported for a live chat of a known visitor. */
  private reporting(): boolean {
    const chat = this.host.conversation.chat;
    return Boolean(chat && chat.state !== "ended" && this.host.token);
  }

  reportPage(): void {
    const page = this.reporting() && pageChanged();
    if (page && !this.socket?.send({ type: "page", ...page })) {
      this.api("POST", "/page", page).catch(pageUnreported);
    }
  }

  reportMinimized(): void {
    if (!this.reporting()) return;
    const minimized = !this.host.view.isOpen;
    if (!this.socket?.send({ type: "minimized", minimized })) {
      this.api("POST", "/minimized", { minimized }).catch(() => undefined);
    }
  }
}
