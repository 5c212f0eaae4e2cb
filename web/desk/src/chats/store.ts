/** Chats: the chat bar, the chats open in windows (with their events, deduped by seq), the list
 * of ongoing chats and who is online. Each list is fetched once (when the socket is ready: on
 * load and after a reconnect) and then kept up to date by the events ../realtime/events.ts hands
 * over; see docs/desk.md, "Live without polling". */
import { defineStore } from "pinia";
import { computed, reactive, ref } from "vue";
import { messageOf } from "../api/client";
import { t } from "../i18n";
import type { AgentLoad, BarItem, ChatDetail, ChatEvent, ChatSummary, OngoingChat } from "../api/types";
import { useAuth } from "../auth/store";
import { socket } from "../realtime/connection";
import type { Envelope } from "../realtime/socket";
import { debounce, newId } from "../ui/debounce";
import { chatsApi } from "./api";
import { FileUpload, postFileMessage } from "./files/uploads";
import { Outbox, type Outgoing, type Trouble } from "./outbox";
import { unreadTally } from "./unread";

export type { Outgoing };

export interface Typing {
  visitor: boolean;
  agents: string[];
}

/** A typing preview with no news for this long is stale: the messenger stops after 3 s idle. */
const PREVIEW_EXPIRES = 6000;

export const MEANINGS = {
  red: "Waiting for an agent",
  invitation: "Invitation to a chat",
  orange: "Unread messages",
  green: "No new messages",
};

/** A chat as events describe it (`data.chat`): the fields they leave out get their empty value. */
function summaryOf(chat: Record<string, unknown>): ChatSummary {
  return {
    visitor_email: null,
    visitor_verified: false,
    answered_at: null,
    ended_at: null,
    end_reason: null,
    last_message_at: null,
    ticket_id: null,
    ...(chat as Pick<ChatSummary, "id" | "inbox_id" | "state" | "visitor_name" | "started_at" | "last_message_text" | "last_seq">),
  };
}

/** The client id of a chat event's message; null for other events. */
function clientMsgIdOf(event: { data: unknown }): string | null {
  return (event.data as { message?: { client_msg_id?: string | null } } | null)?.message?.client_msg_id ?? null;
}

type Who = { id: number; name: string };

export type NotOfferedReason = "offline" | "not_member" | "at_limit";

// A message the server could not take for a moment is sent again after the wait it asked for,
// at most LONGEST_WAIT seconds (a rate limit: as long as it says), and at once when the socket is
// back; ./outbox.ts keeps the order and says when to stop trying.
const LONGEST_WAIT = 10;

/** When the trouble is the server's or the network's and passes, the seconds to wait before
 * sending again and what it is (the agent reads different words for each); null when the message
 * itself was refused (the chat ended, too long…) and must not be resent. What the server answers
 * (docs/realtime.md, "Errors"; errors.py): `rate_limited` (429 with Retry-After, `retry_after` on
 * the socket), `database_unavailable` (503, the same), `internal` (500); no answer at all is
 * status 0 over HTTP and `offline` or `timeout` on the socket. A proxy in front may answer a 5xx
 * of its own, without our JSON. */
function passingTrouble(error: unknown): { wait: number; trouble: Trouble } | null {
  const { code, status, retryAfter } = error as { code?: string; status?: number; retryAfter?: number };
  const wait = retryAfter || 2;
  if (code === "rate_limited" || status === 429) return { wait, trouble: "limited" };
  const capped = Math.min(wait, LONGEST_WAIT);
  if (status === 0 || code === "network" || code === "offline" || code === "timeout") return { wait: capped, trouble: "connection" };
  if (code === "database_unavailable" || status === 503) return { wait: capped, trouble: "busy" };
  if (code === "internal" || (status !== undefined && status >= 500)) return { wait: capped, trouble: "error" };
  return null;
}

export const useChats = defineStore("chats", () => {
  const barItems = ref<BarItem[]>([]);
  const details = reactive<Record<number, ChatDetail>>({});
  const outgoing = reactive<Record<number, Outgoing[]>>({});
  const typing = reactive<Record<number, Typing>>({});
  /** What each chat's visitor is typing, before they send it (chat.typing_preview): shown, never kept. */
  const previews = reactive<Record<number, string>>({});
  const previewTimers = new Map<number, number>();
  const ongoingRows = ref<OngoingChat[]>([]);
  const ongoingLoaded = ref(false);
  const agents = ref<AgentLoad[]>([]);
  const tally = unreadTally();

  const myId = () => useAuth().me?.id;
  const isIn = (participants: { user_id: number; left_at: string | null }[]) =>
    participants.some((p) => p.user_id === myId() && p.left_at == null);

  /** Red items as fetched or offered; the colour of the chats we are in follows their unread count. */
  const bar = computed<BarItem[]>(() =>
    barItems.value.map((item) => {
      if (item.color === "red") return item;
      const unread = tally.unread(item.chat.id);
      return { ...item, unread, color: unread ? "orange" : "green", meaning: unread ? MEANINGS.orange : MEANINGS.green };
    }),
  );
  const red = computed(() => bar.value.filter((item) => item.color === "red"));
  const ongoing = computed<OngoingChat[]>(() =>
    ongoingRows.value.map((chat) => ({ ...chat, unread: isIn(chat.participants) ? tally.unread(chat.id) : 0 })),
  );

  // Why a waiting chat I see is not red for me: the server offers a chat to an agent who is online,
  // a member of its inbox and below their limit (docs/chat.md); the first rule I fail is the reason.
  const agentsLoaded = ref(false);
  /** The inboxes I take chats for; null until the agents are fetched. */
  const myInboxIds = computed<number[] | null>(() =>
    agentsLoaded.value ? (agents.value.find((a) => a.id === myId())?.inbox_ids ?? []) : null,
  );
  /** Chats I am in: what my limit counts. */
  const myLoad = computed(() => barItems.value.filter((item) => item.color !== "red").length);
  const notOffered = computed<{ chat: OngoingChat; reason: NotOfferedReason }[]>(() => {
    const me = useAuth().me;
    const offered = new Set(red.value.map((item) => item.chat.id));
    const found: { chat: OngoingChat; reason: NotOfferedReason }[] = [];
    for (const chat of ongoing.value) {
      if (chat.state !== "waiting" || offered.has(chat.id) || !me) continue;
      if (!me.available_for_chat) found.push({ chat, reason: "offline" });
      else if (myInboxIds.value && !myInboxIds.value.includes(chat.inbox_id)) found.push({ chat, reason: "not_member" });
      else if (myLoad.value >= me.max_concurrent_chats) found.push({ chat, reason: "at_limit" });
      // Otherwise it is being offered to me as we speak: the bar catches up.
    }
    return found;
  });

  // Events heard while a list fetch is out may or may not be in its answer: they are kept here and
  // applied again on top of it (applying one twice changes nothing, see applyToLists).
  const journal: Envelope[] = [];
  let fetching = 0;
  async function snapshot<T>(fetch: () => Promise<T>, take: (value: T) => void): Promise<void> {
    const from = journal.length;
    fetching += 1;
    try {
      take(await fetch());
      journal.slice(from).forEach(applyNow);
    } finally {
      fetching -= 1;
      if (!fetching) journal.length = 0;
    }
  }

  function loadBar(): Promise<void> {
    return snapshot(chatsApi.bar, (items) => {
      for (const item of items) if (item.color !== "red") tally.fetched(item.chat.id, item.unread, item.chat.last_seq);
      barItems.value = items;
    });
  }
  const refreshBar = debounce(loadBar, 120);

  function loadOngoing(): Promise<void> {
    return snapshot(chatsApi.ongoing, (chats) => {
      for (const chat of chats) if (isIn(chat.participants)) tally.fetched(chat.id, chat.unread, chat.last_seq);
      ongoingRows.value = chats;
      ongoingLoaded.value = true;
    });
  }

  /** What the socket's `ready` asks for: the lists, once; events keep them from then on. */
  function loadLists(): Promise<unknown> {
    return Promise.allSettled([loadBar(), loadOngoing()]);
  }

  async function loadAgents(): Promise<void> {
    agents.value = await chatsApi.agents();
    agentsLoaded.value = true;
  }

  function hold(id: number, detail: ChatDetail): void {
    details[id] = detail;
    socket.follow(id, lastSeq(detail));
    // A snapshot holds the messages stored meanwhile (sent over HTTP, or before a drop): no
    // event will bring them again, so they leave the outgoing list here.
    outbox.seen(id, detail.events.map(clientMsgIdOf));
  }

  async function loadDetail(id: number): Promise<ChatDetail> {
    const detail = await chatsApi.detail(id);
    hold(id, detail);
    return detail;
  }

  /** A held chat fetched again; one let go meanwhile (`release`) stays gone. */
  async function refetchDetail(id: number): Promise<void> {
    const detail = await chatsApi.detail(id);
    if (details[id]) hold(id, detail);
  }

  const detailRefreshers = new Map<number, () => void>();
  function refreshDetail(id: number): void {
    if (!details[id]) return;
    if (!detailRefreshers.has(id)) detailRefreshers.set(id, debounce(() => refetchDetail(id), 100));
    detailRefreshers.get(id)!();
  }

  // Chats whose window is open.
  const onScreen = new Set<number>();

  function show(id: number): void {
    onScreen.add(id);
  }

  /**
   * Lets a chat go (its details, its place in the socket's resume, its fetch after a drop) once
   * its window is closed, unless this agent is still in it or a message of theirs is on its way:
   * called when its window closes (`closing`) and when it ends off screen. The desk used to hold
   * every chat it had opened: after 200 in one page (a busy day), the server refused the resume
   * in the socket's URL and the desk could no longer reconnect.
   */
  function release(id: number, closing = false): void {
    if (closing) onScreen.delete(id);
    const detail = details[id];
    if (!detail || onScreen.has(id) || outbox.busy(id)) return;
    if (detail.state !== "ended" && isParticipant(detail, myId())) return;
    delete details[id];
    delete typing[id];
    clearPreview(id);
    detailRefreshers.delete(id);
    socket.forget(id);
  }

  function lastSeq(detail: ChatDetail): number {
    return detail.events.length ? detail.events[detail.events.length - 1].seq : 0;
  }

  /** A stored chat event (with seq) for a chat we have open: append once, in order. */
  function applyEvent(envelope: Envelope): void {
    const id = envelope.chat_id;
    if (id == null || envelope.seq == null) return;
    const detail = details[id];
    if (!detail) return;
    const last = lastSeq(detail);
    if (envelope.seq <= last) {
      outbox.seen(id, [clientMsgIdOf(envelope)]); // already shown: its message is not on its way
      return;
    }
    if (envelope.seq > last + 1) {
      refreshDetail(id); // a gap: fetch the truth instead of guessing
      return;
    }
    const at = envelope.at ?? new Date().toISOString();
    const event: ChatEvent = { type: envelope.type, chat_id: id, seq: envelope.seq, at, data: envelope.data };
    detail.events.push(event);
    detail.last_seq = Math.max(detail.last_seq, envelope.seq);
    const data = envelope.data;
    switch (envelope.type) {
      case "chat.message_added": {
        const message = data.message ?? {};
        detail.last_message_text = message.text ?? detail.last_message_text;
        outbox.seen(id, [message.client_msg_id]);
        if (message.author?.kind === "visitor" && typing[id]) typing[id].visitor = false;
        if (message.author?.kind === "visitor") clearPreview(id);
        // Writing in a chat means having read it: the server moved the author's read mark.
        if (message.author?.kind === "agent") {
          const writer = detail.participants.find((p) => p.user_id === message.author.id);
          if (writer && writer.read_seq < envelope.seq) writer.read_seq = envelope.seq;
        }
        break;
      }
      case "chat.joined": {
        const user = data.user as Who;
        const readSeq = (data.chat?.last_seq as number | undefined) ?? envelope.seq - 1;
        const again = detail.participants.find((p) => p.user_id === user.id);
        if (again) Object.assign(again, { joined_at: at, left_at: null, read_seq: readSeq });
        else detail.participants.push({ user_id: user.id, name: user.name, joined_at: at, left_at: null, read_seq: readSeq });
        detail.invitations = detail.invitations.filter((i) => i.user_id !== user.id);
        if (detail.state === "waiting") Object.assign(detail, { state: "active", answered_at: at });
        break;
      }
      case "chat.left": {
        const user = data.user as Who;
        const leaver = detail.participants.find((p) => p.user_id === user.id);
        if (leaver) leaver.left_at = at;
        // The server drops the transfers a leaver asked for.
        detail.invitations = detail.invitations.filter((i) => !(i.inviter_id === user.id && i.kind === "transfer"));
        break;
      }
      case "chat.invited": {
        const user = data.user as Who;
        detail.invitations = [
          ...detail.invitations.filter((i) => i.user_id !== user.id),
          { user_id: user.id, inviter_id: (data.by as Who).id, kind: data.kind as string },
        ];
        break;
      }
      case "chat.invitation_cancelled":
        detail.invitations = detail.invitations.filter((i) => i.user_id !== (data.user as Who).id);
        break;
      case "chat.labelled":
        detail.labels = data.labels as string[];
        break;
      case "chat.ended":
        Object.assign(detail, { state: "ended", ended_at: at, end_reason: data.reason, ticket_id: data.ticket_id ?? null, invitations: [] });
        release(id);
        break;
    }
  }

  /** Chat events, offers and read marks into the bar, the ongoing list and the unread counts. */
  function applyToLists(envelope: Envelope): void {
    if (fetching) journal.push(envelope);
    applyNow(envelope);
  }

  function applyNow(envelope: Envelope): void {
    const data = envelope.data;
    const chatId = (envelope.chat_id ?? data.chat_id ?? data.chat?.id) as number | undefined;
    if (chatId == null) return;
    switch (envelope.type) {
      case "chat.offered": {
        const item: BarItem = {
          chat: summaryOf(data.chat),
          color: "red",
          meaning: data.invitation ? MEANINGS.invitation : MEANINGS.red,
          unread: 0,
          invitation: data.invitation ?? null,
          offer_expires_in: data.expires_in ?? null,
        };
        // Offered to me alone, or offered to everybody after all: the open chat shows who may act.
        refreshDetail(chatId);
        const others = barItems.value.filter((i) => !(i.chat.id === chatId && i.invitation === item.invitation));
        const reds = others.filter((i) => i.color === "red");
        barItems.value = [...reds, item, ...others.filter((i) => i.color !== "red")];
        return;
      }
      case "chat.withdrawn":
        if (data.reason === "moved_on") refreshDetail(chatId);
        barItems.value = barItems.value.filter((i) => !(i.chat.id === chatId && i.color === "red" && !i.invitation));
        return;
      case "chat.read":
        if (data.user_id === myId() && !tally.read(chatId, data.read_seq as number)) refreshBar();
        return;
    }
    if (envelope.seq == null) return;
    const seq = envelope.seq;
    if (envelope.type === "chat.message_added") {
      const author = data.message?.author ?? {};
      if (author.kind === "visitor") tally.visitorMessage(chatId, seq);
      else if (author.kind === "agent" && author.id === myId()) tally.read(chatId, seq);
    }
    if (envelope.type === "chat.ended") {
      barItems.value = barItems.value.filter((i) => i.chat.id !== chatId);
      ongoingRows.value = ongoingRows.value.filter((c) => c.id !== chatId);
      tally.forget(chatId);
      return;
    }
    if (envelope.type === "chat.left" && barItems.value.some((i) => i.chat.id === chatId && i.invitation)) {
      refreshBar(); // the leaver may have been the one asking us to take over
    }
    applyToOngoing(envelope, chatId, seq);
  }

  function applyToOngoing(envelope: Envelope, chatId: number, seq: number): void {
    const data = envelope.data;
    const at = envelope.at ?? new Date().toISOString();
    let row = ongoingRows.value.find((c) => c.id === chatId);
    if (!row) {
      // A chat we had not heard of (started, or joined after a missed start) joins the list.
      if (!ongoingLoaded.value || !data.chat || (envelope.type !== "chat.started" && envelope.type !== "chat.joined")) return;
      row = { ...summaryOf(data.chat), participants: [], unread: 0, waiting_seconds: 0 };
      ongoingRows.value = [...ongoingRows.value, row];
      row = ongoingRows.value[ongoingRows.value.length - 1];
    } else if (seq <= row.last_seq) {
      return; // already in the row: from its fetch, or heard before
    }
    row.last_seq = seq;
    if (data.chat?.last_message_text) row.last_message_text = data.chat.last_message_text;
    switch (envelope.type) {
      case "chat.message_added":
        row.last_message_text = data.message?.text ?? row.last_message_text;
        row.last_message_at = data.message?.created_at ?? at;
        break;
      case "chat.joined": {
        const user = data.user as Who;
        const readSeq = (data.chat?.last_seq as number | undefined) ?? seq - 1;
        const again = row.participants.find((p) => p.user_id === user.id);
        if (again) Object.assign(again, { joined_at: at, left_at: null, read_seq: readSeq });
        else row.participants.push({ user_id: user.id, name: user.name, joined_at: at, left_at: null, read_seq: readSeq });
        if (user.id === myId()) tally.read(chatId, readSeq);
        if (row.state === "waiting") {
          row.state = "active";
          row.answered_at = at;
          row.waiting_seconds = Math.round((Date.parse(at) - Date.parse(row.started_at)) / 1000);
        }
        break;
      }
      case "chat.left": {
        const leaver = row.participants.find((p) => p.user_id === (data.user as Who).id);
        if (leaver) leaver.left_at = at;
        break;
      }
    }
  }

  /** Who is online follows availability events; their number of chats is as of the last fetch. */
  function availabilityChanged(envelope: Envelope): void {
    const agent = agents.value.find((a) => a.id === envelope.data.user?.id);
    if (agent) agent.available_for_chat = !!envelope.data.available;
  }

  function isParticipant(detail: ChatDetail | undefined, userId: number | undefined): boolean {
    return !!detail?.participants.some((p) => p.user_id === userId && p.left_at == null);
  }

  async function join(id: number): Promise<void> {
    hold(id, await chatsApi.join(id));
  }

  /** A chat offered to me alone (docs/routing.md): Accept joins it, Decline passes it on. */
  async function acceptOffer(id: number): Promise<void> {
    hold(id, await chatsApi.acceptOffer(id));
  }

  async function declineOffer(id: number): Promise<void> {
    details[id] = await chatsApi.declineOffer(id);
    barItems.value = barItems.value.filter((i) => !(i.chat.id === id && i.color === "red" && !i.invitation));
  }

  // A chat's messages go one after another, in the order written (./outbox.ts): one the server
  // cannot take for now holds the ones after it, so the customer reads them in that order.
  const outbox = new Outbox(outgoing, {
    send: deliverOnce,
    passing: passingTrouble,
    describe: messageOf,
    sleep: (ms) => new Promise((done) => window.setTimeout(done, ms)),
    now: () => Date.now(),
  });

  function send(id: number, text: string): void {
    outbox.add(id, newId(), text);
  }

  // The files of the messages of files in the lanes, by client_msg_id: not reactive (a File is no
  // state to draw), gone with their message.
  const uploads = new Map<string, FileUpload>();

  /** A message of files, in the lane after what was written before it: its files upload now, the
   * message that sends them goes in its turn. */
  function sendFiles(id: number, files: File[]): void {
    if (!files.length) return;
    const clientMsgId = newId();
    const upload = new FileUpload(id, files, (share) => {
      const item = outgoing[id]?.find((o) => o.client_msg_id === clientMsgId);
      if (item?.files) item.files.progress = share;
    });
    // Known before the lane may ask for it: a lane with nothing ahead sends at once.
    uploads.set(clientMsgId, upload);
    outbox.add(id, clientMsgId, "", { names: files.map((file) => file.name).join(", "), progress: 0 });
    upload.start();
  }

  function retry(id: number, clientMsgId: string): void {
    outbox.retry(id, clientMsgId);
  }

  /** A message not sent is taken out for good (the files it would have sent stay unsent on the
   * server, which deletes them after a day). */
  function discard(id: number, clientMsgId: string): void {
    if (outbox.discard(id, clientMsgId)) uploads.delete(clientMsgId);
  }

  /** Over the socket when it is up, else over HTTP; the same client_msg_id makes retries safe. A
   * message of files goes over HTTP once its files are stored. */
  async function deliverOnce(id: number, item: Outgoing): Promise<void> {
    try {
      if (item.files) {
        const upload = uploads.get(item.client_msg_id);
        if (!upload) throw new Error(t("chatFiles.gone"));
        await postFileMessage(id, item.client_msg_id, await upload.ready());
        uploads.delete(item.client_msg_id);
        // Its event comes on the socket; without one, the chat fetched again shows it.
        if (!socket.isOpen) refreshDetail(id);
        return;
      }
      if (socket.isOpen) {
        try {
          await socket.request({ type: "message", chat_id: id, text: item.text, client_msg_id: item.client_msg_id });
          return;
        } catch (error) {
          // No answer on the socket: the same message over HTTP (stored once either way).
          const code = (error as { code?: string }).code;
          if (code !== "offline" && code !== "timeout") throw error;
        }
      }
      await chatsApi.message(id, item.text, item.client_msg_id);
      // No event brings it while the socket is down, and the resume starts after the snapshot.
      refreshDetail(id);
    } catch (error) {
      // Refused because the chat ended: the window learns it now, even with the socket down.
      if ((error as { code?: string }).code === "chat_ended") refreshDetail(id);
      throw error;
    }
  }

  function setTyping(id: number, on: boolean): void {
    socket.send({ type: "typing", chat_id: id, typing: on });
  }

  /** The agent has seen everything up to the last event: moves the read mark (orange → green). */
  async function markRead(id: number): Promise<void> {
    const detail = details[id];
    const me = useAuth().me;
    if (!detail || !me) return;
    const mine = detail.participants.find((p) => p.user_id === me.id && p.left_at == null);
    const seq = lastSeq(detail);
    if (!mine || mine.read_seq >= seq) return;
    const before = mine.read_seq;
    mine.read_seq = seq;
    try {
      if (socket.isOpen) await socket.request({ type: "read", chat_id: id, seq });
      else await chatsApi.read(id, seq);
      if (!tally.read(id, seq)) refreshBar();
    } catch {
      mine.read_seq = before; // try again on the next chance
    }
  }

  function readMoved(envelope: Envelope): void {
    const { chat_id, user_id, read_seq } = envelope.data as { chat_id: number; user_id: number; read_seq: number };
    const participant = details[chat_id]?.participants.find((p) => p.user_id === user_id);
    if (participant && participant.read_seq < read_seq) participant.read_seq = read_seq;
    applyToLists(envelope);
  }

  /** chat.typing names agents without an id: our own echo is recognised by name then. */
  function isMe(author: { id?: number; name: string }): boolean {
    const me = useAuth().me;
    return author.id != null ? author.id === me?.id : author.name === me?.name;
  }

  function typingEvent(envelope: Envelope): void {
    const { chat_id, author, typing: on } = envelope.data as {
      chat_id: number;
      author: { kind: string; id?: number; name: string };
      typing: boolean;
    };
    const state = (typing[chat_id] ??= { visitor: false, agents: [] });
    if (author.kind === "visitor") {
      state.visitor = on;
      if (!on) clearPreview(chat_id);
    } else if (!isMe(author)) {
      state.agents = on
        ? [...new Set([...state.agents, author.name])]
        : state.agents.filter((name) => name !== author.name);
    }
  }

  /** The visitor's draft, replaced as it changes; gone when empty, and after a few seconds without
   * news (the messenger's stop may be lost with its connection). */
  function previewEvent(envelope: Envelope): void {
    const { chat_id, text } = envelope.data as { chat_id: number; text: string };
    if (!text) return clearPreview(chat_id);
    previews[chat_id] = text;
    window.clearTimeout(previewTimers.get(chat_id));
    previewTimers.set(chat_id, window.setTimeout(() => clearPreview(chat_id), PREVIEW_EXPIRES));
  }

  function clearPreview(id: number): void {
    window.clearTimeout(previewTimers.get(id));
    previewTimers.delete(id);
    delete previews[id];
  }

  function visitorEvent(envelope: Envelope): void {
    const data = envelope.data as {
      chat_id: number;
      url?: string | null;
      title?: string | null;
      minimized?: boolean;
      connected?: boolean;
    };
    const detail = details[data.chat_id];
    if (!detail) return;
    if (envelope.type === "visitor.page_viewed") {
      detail.visitor.page_url = data.url ?? null;
      detail.visitor.page_title = data.title ?? null;
    } else if (envelope.type === "visitor.minimized") {
      detail.visitor.minimized = !!data.minimized;
    } else if (envelope.type === "visitor.presence") {
      detail.visitor.connected = !!data.connected;
      if (!data.connected && typing[detail.id]) typing[detail.id].visitor = false;
      if (!data.connected) clearPreview(detail.id);
    }
  }

  async function setLabels(id: number, labels: string[]): Promise<void> {
    const result = await chatsApi.labels(id, labels);
    if (details[id]) details[id].labels = result.labels;
  }

  async function invite(id: number, userId: number, kind: "invite" | "transfer"): Promise<void> {
    details[id] = kind === "invite" ? await chatsApi.invite(id, userId) : await chatsApi.transfer(id, userId);
  }

  async function leave(id: number): Promise<void> {
    details[id] = await chatsApi.leave(id);
  }

  async function end(id: number): Promise<number> {
    const ended = await chatsApi.end(id);
    return ended.ticket_id;
  }

  /** After a dropped connection the socket replayed the open chats' events, but not the visitor's
   * presence or page meanwhile: the open windows are fetched again too. */
  function catchUp(): void {
    Object.keys(details).forEach((id) => refreshDetail(Number(id)));
    outbox.wake(); // messages waiting for the connection go now
  }

  function reset(): void {
    barItems.value = [];
    ongoingRows.value = [];
    ongoingLoaded.value = false;
    agents.value = [];
    agentsLoaded.value = false;
    tally.clear();
    for (const id of Object.keys(details)) delete details[Number(id)];
    for (const id of Object.keys(previews)) clearPreview(Number(id));
    onScreen.clear();
  }

  return {
    bar, red, details, outgoing, typing, previews, ongoing, ongoingLoaded, agents, agentsLoaded, myInboxIds, myLoad, notOffered,
    loadBar, refreshBar, loadOngoing, loadLists, loadAgents, loadDetail, refreshDetail, show, release,
    applyEvent, applyToLists, availabilityChanged, isParticipant, join, acceptOffer, declineOffer, send, sendFiles, retry, discard, setTyping, markRead,
    readMoved, typingEvent, previewEvent, visitorEvent, setLabels, invite, leave, end, catchUp, reset, lastSeq,
  };
});
