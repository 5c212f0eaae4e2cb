// The live side of a chat: the socket (its hello names the chat held, see conversation.ts), the
// frames it brings, and everything the visitor sends while chatting: messages until they are
// acknowledged (texts and messages of files alike, in one lane), typing, the page they are on and
// whether the panel is minimized. HTTP stands in for the socket while it is down.

import { passing, type Conversation, type Pending } from "./conversation";
import { refusalText, refusedFiles, type Files } from "./files";
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
  /** The uploads of the messages of files. */
  readonly files: Pick<Files, "start" | "ready" | "has" | "renew" | "forget">;
  /** The inbox's messenger settings (typing_preview: "off" keeps drafts to the visitor). */
  readonly settings: Record<string, string | undefined>;
}

/** A message of files not sent: why, and whether sending it again may help. */
export interface NotSent {
  item: Pending;
  error: unknown;
  retry: boolean;
}

const TYPING_IDLE = 3000;
/** The typing preview: a draft at most this often, the last one always (docs/messenger.md). */
const DRAFT_EVERY = 700;

export class Live {
  private socket: Socket | null = null;
  private typingSent = false;
  private typingTimer = 0;
  private draftTimer = 0;
  private draftAt = 0;
  private reconnectNotice = 0;
  private resendTimer = 0;
  /** Messages of files not sent, by client_msg_id, until sent again or discarded (this page
   * only: their files' bytes do not outlive it). */
  readonly notSent = new Map<string, NotSent>();

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

  /** A message of files, in the lane like a text: its files start uploading now, and the
   * message goes in its turn, after the messages written before it and before those after. */
  sendFiles(files: File[]): void {
    const chat = this.host.conversation.chat;
    if (!chat || chat.state === "ended" || !files.length) return;
    const names = files.map((file) => file.name || "file").join(", ");
    const item = this.host.conversation.add("", { names, ids: null });
    this.host.files.start(item.cmid, chat.id, files);
    this.host.view.convo.drawUpload(item.cmid, names);
    this.flush(false);
  }

  /** Retry on a message of files not sent: it goes again, after what is pending now. A refusal
   * may have outlived its uploads (unsent ones are deleted after a day): those start afresh. */
  retryFiles(cmid: string): void {
    const failed = this.notSent.get(cmid);
    const chat = this.host.conversation.chat;
    if (!failed?.retry || failed.item.chatId !== chat?.id || chat.state === "ended") return;
    this.notSent.delete(cmid);
    const files = failed.item.files!;
    const again = passing(failed.error);
    if (!again) this.host.files.renew(cmid);
    this.host.view.convo.drawUpload(cmid, files.names);
    this.host.view.convo.input.focus();
    this.host.conversation.requeue({ ...failed.item, files: { ...files, ids: again ? files.ids : null } });
    this.flush(false);
  }

  /** Discard on a message of files not sent: it is never sent. (Uploads stored for it stay
   * unseen until the server deletes unsent uploads.) */
  discardFiles(cmid: string): void {
    this.notSent.delete(cmid);
    this.host.files.forget(cmid);
    this.host.view.convo.removeOwn(cmid);
  }

  /** While messages are pending, the first is sent again when unanswered for a while or when its
   * wait after a failure is over; one acknowledged (by its ack or its event) lets the next go. */
  pendingChanged(count: number): void {
    clearInterval(this.resendTimer);
    if (!count) return;
    this.resendTimer = window.setInterval(() => this.flush(false), 1000);
    // One acknowledged by its event: the next goes now. (Until the socket is up, `up` sends.)
    if (this.socket?.ready) queueMicrotask(() => this.flush(false));
  }

  /** Sends the first message not acknowledged yet when it is its turn (Conversation.next), with
   * the same client_msg_id every time: the server dedupes. One at a time, in order. */
  private flush(again: boolean): void {
    const item = this.host.conversation.next(again);
    if (item) this.trySend(item);
  }

  private trySend(item: Pending): void {
    const { cmid, chatId, text } = item;
    const conversation = this.host.conversation;
    conversation.tried(cmid);
    if (item.files) return this.trySendFiles(item);
    const frame = { type: "message", ref: `m:${cmid}`, chat_id: chatId, text };
    if (this.socket?.send({ ...frame, client_msg_id: cmid })) return;
    conversation.inflight.add(cmid);
    this.api<{ seq: number }>("POST", `/chats/${chatId}/messages`, { text, client_msg_id: cmid })
      .then(() => this.delivered(cmid))
      .catch((error: unknown) => this.sendFailed(cmid, error))
      .finally(() => conversation.inflight.delete(cmid));
  }

  /** A message of files goes over HTTP only: its files' ids (uploaded now if they are not yet),
   * then the message that sends them. Nothing else goes meanwhile. */
  private trySendFiles(item: Pending): void {
    const { cmid, chatId } = item;
    const { conversation, files } = this.host;
    conversation.inflight.add(cmid);
    files
      .ready(item)
      .then((ids) => {
        conversation.uploaded(cmid, ids);
        const body = { client_msg_id: cmid, attachment_ids: ids };
        return this.api("POST", `/chats/${chatId}/file-messages`, body);
      })
      .then(() => this.delivered(cmid))
      .catch((error: unknown) => this.sendFailed(cmid, error))
      .finally(() => conversation.inflight.delete(cmid));
  }

  private delivered(cmid: string): void {
    this.host.files.forget(cmid);
    this.host.conversation.acknowledged(cmid);
    this.host.view.convo.markOwn(cmid, "sent");
    this.host.view.clearOffline();
    this.flush(false);
  }

  private sendFailed(cmid: string, error: unknown): void {
    const { conversation, files, view } = this.host;
    const failed = conversation.failed(cmid, error, Date.now(), Boolean(this.socket?.ready));
    if (!failed) return files.forget(cmid); // stored meanwhile: its event came
    if (failed.retry) {
      view.convo.markOwn(cmid, "retrying");
      view.showError(error);
      return;
    }
    if (!passing(error)) view.clearOffline(); // the server answered: the network is back
    const names = failed.item.files?.names;
    if (error instanceof ApiError && error.code === "chat_ended") {
      // The chat ended before it arrived: kept for a new chat with the ones after it (the ended
      // card offers it), all marked "Not sent: This chat has ended."
      view.convo.markUnsent();
      this.disconnect();
      void this.host.history.load(true);
    } else if (names !== undefined) {
      // Files refused, gone, or failing on their own: not sent, with why, Discard, and Retry
      // where it may help. Like a refused text, they hold no one: the next message goes on.
      const retry = passing(error) || (files.has(cmid) && !refusedFiles(error));
      this.notSent.set(cmid, { item: failed.item, error, retry });
      view.convo.filesNotSent(cmid, refusalText(this.host.t, error, names), retry);
      this.flush(false);
    } else {
      // Refused for good (too long…): say why and give the text back; the next one goes on.
      view.convo.markOwn(cmid, "failed", errorText(this.host.t, error));
      view.convo.giveBack(failed.item.text);
      this.flush(false);
    }
  }

  // --- typing and presence ----------------------------------------------------------------------

  /** The visitor typed; with the inbox's typing preview on, `text` goes along as the draft. */
  startTyping(text = ""): void {
    clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => this.stopTyping(), TYPING_IDLE);
    const chat = this.host.conversation.chat;
    if (!chat || chat.state === "ended") return;
    if (this.host.settings.typing_preview !== "off") this.sendDraft(chat.id, text);
    else if (!this.typingSent) this.typingSent = Boolean(this.socket?.send({ type: "typing", chat_id: chat.id, typing: true }));
  }

  private sendDraft(chatId: number, text: string): void {
    clearTimeout(this.draftTimer);
    const wait = this.draftAt + DRAFT_EVERY - Date.now();
    if (wait > 0) {
      this.draftTimer = window.setTimeout(() => this.sendDraft(chatId, text), wait);
      return;
    }
    this.draftAt = Date.now();
    this.typingSent = Boolean(this.socket?.send({ type: "typing", chat_id: chatId, typing: true, text }));
  }

  /** Stopped (sent, emptied, idle): the agents' indicator and the preview both go. */
  stopTyping(): void {
    clearTimeout(this.typingTimer);
    clearTimeout(this.draftTimer);
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
