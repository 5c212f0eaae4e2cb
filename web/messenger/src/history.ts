// The held chat's history over HTTP (GET /chats/{id}): fetched after a reload, a navigation, in a
// second tab, and when the server says the chat ended before its event came. What it holds is
// applied to the conversation (conversation.ts, `load`) and then drawn by the messenger.
//
// Only the answer to the fetch asked last is applied. A fetch asked before the server refused a
// message because the chat ended can answer after that refusal, with the chat still going: the
// messenger used to join that fetch instead of asking again, and applied its answer, so the chat
// came back to life (composer and all) and its ended card waited for the next load.

import type { Chat, Conversation } from "./conversation";
import { ApiError, type Fetcher } from "./net";
import type { ChatRead } from "./types";

/** What the history needs from the messenger. */
export interface HistoryHost {
  readonly conversation: Conversation;
  /** The history was applied: draw it, and follow the chat live unless it ended. */
  historyLoaded(): void;
  /** The token or the chat is not valid any more. */
  forget(keepToken: boolean): void;
}

/** Tried again after this long when the history could not be fetched (offline). */
const AGAIN_AFTER = 5000;

export class History {
  private fetching: { chat: Chat | null; done: Promise<void> } | null = null;
  /** Fetches asked so far: the number of the last one, whose answer alone is applied. */
  private asked = 0;

  constructor(
    private readonly api: Fetcher,
    private readonly host: HistoryHost,
  ) {}

  /** Fetches the held chat's history and applies it. A fetch of it already on its way is joined,
   * unless `fresh`: the server said something since it was asked (the chat ended), which its
   * answer may not know yet; a new one is asked then, and the older answer is dropped. */
  load(fresh = false): Promise<void> {
    const chat = this.host.conversation.chat;
    if (fresh || !this.fetching || this.fetching.chat !== chat) {
      const done = this.fetch(chat).finally(() => {
        if (this.fetching?.done === done) this.fetching = null;
      });
      this.fetching = { chat, done };
    }
    return this.fetching.done;
  }

  private async fetch(chat: Chat | null): Promise<void> {
    if (!chat) return;
    const conversation = this.host.conversation;
    const asked = ++this.asked;
    try {
      const read = await this.api<ChatRead>("GET", `/chats/${chat.id}`);
      // Asked again since: the newer answer is the one applied, and this one waits for it.
      if (asked !== this.asked) return await this.fetching?.done;
      // Another chat held meanwhile, or older than what the conversation knows (the chat ended).
      if (conversation.chat !== chat || !conversation.load(read)) return;
      this.host.historyLoaded();
    } catch (error) {
      if (asked !== this.asked) return;
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
        this.host.forget(error.status === 404);
      } else {
        // Offline for now: try again soon, the chat is still ours; a busy server's Retry-After
        // is the least we wait.
        const serverWait = error instanceof ApiError ? error.retryAfter * 1000 : 0;
        window.setTimeout(() => conversation.chat === chat && void this.load(), Math.max(AGAIN_AFTER, serverWait));
      }
    }
  }
}
