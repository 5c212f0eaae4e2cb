/** Chats: the chat bar, the chats open in windows (with their events, deduped by seq), the list
 * of ongoing chats and who is online. Fed by HTTP fetches and by ../realtime/events.ts. */
import { defineStore } from "pinia";
import { computed, reactive, ref } from "vue";
import { messageOf } from "../api/client";
import type { AgentLoad, BarItem, ChatDetail, ChatEvent, OngoingChat } from "../api/types";
import { useAuth } from "../auth/store";
import { socket } from "../realtime/connection";
import type { Envelope } from "../realtime/socket";
import { debounce, newId } from "../ui/debounce";
import { chatsApi } from "./api";

export interface Outgoing {
  client_msg_id: string;
  text: string;
  failed: string | null;
}

export interface Typing {
  visitor: boolean;
  agents: string[];
}

/** Events that change participants, invitations, labels or state: the detail is fetched again. */
const STRUCTURAL = new Set([
  "chat.joined",
  "chat.left",
  "chat.invited",
  "chat.invitation_cancelled",
  "chat.labelled",
  "chat.ended",
]);

export const useChats = defineStore("chats", () => {
  const bar = ref<BarItem[]>([]);
  const details = reactive<Record<number, ChatDetail>>({});
  const outgoing = reactive<Record<number, Outgoing[]>>({});
  const typing = reactive<Record<number, Typing>>({});
  const ongoing = ref<OngoingChat[]>([]);
  const ongoingLoaded = ref(false);
  const agents = ref<AgentLoad[]>([]);

  const red = computed(() => bar.value.filter((item) => item.color === "red"));

  async function loadBar(): Promise<void> {
    bar.value = await chatsApi.bar();
  }
  const refreshBar = debounce(loadBar, 120);

  async function loadOngoing(): Promise<void> {
    ongoing.value = await chatsApi.ongoing();
    ongoingLoaded.value = true;
  }
  const refreshOngoing = debounce(loadOngoing, 250);

  async function loadAgents(): Promise<void> {
    agents.value = await chatsApi.agents();
  }
  const refreshAgents = debounce(loadAgents, 250);

  async function loadDetail(id: number): Promise<ChatDetail> {
    const detail = await chatsApi.detail(id);
    details[id] = detail;
    socket.follow(id, lastSeq(detail));
    return detail;
  }

  const detailRefreshers = new Map<number, () => void>();
  function refreshDetail(id: number): void {
    if (!details[id]) return;
    if (!detailRefreshers.has(id)) detailRefreshers.set(id, debounce(() => loadDetail(id), 100));
    detailRefreshers.get(id)!();
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
    if (envelope.seq <= last) return; // already shown
    if (envelope.seq > last + 1) {
      refreshDetail(id); // a gap: fetch the truth instead of guessing
      return;
    }
    const event: ChatEvent = {
      type: envelope.type,
      chat_id: id,
      seq: envelope.seq,
      at: envelope.at ?? new Date().toISOString(),
      data: envelope.data,
    };
    detail.events.push(event);
    detail.last_seq = Math.max(detail.last_seq, envelope.seq);
    if (envelope.type === "chat.message_added") {
      const message = envelope.data.message ?? {};
      detail.last_message_text = message.text ?? detail.last_message_text;
      const pending = outgoing[id];
      if (pending && message.client_msg_id) {
        outgoing[id] = pending.filter((item) => item.client_msg_id !== message.client_msg_id);
      }
      if (message.author?.kind === "visitor" && typing[id]) typing[id].visitor = false;
      // Writing in a chat means having read it: the server moved the author's read mark.
      if (message.author?.kind === "agent") {
        const writer = detail.participants.find((p) => p.user_id === message.author.id);
        if (writer && writer.read_seq < envelope.seq) writer.read_seq = envelope.seq;
      }
    }
    if (STRUCTURAL.has(envelope.type)) refreshDetail(id);
  }

  function isParticipant(detail: ChatDetail | undefined, userId: number | undefined): boolean {
    return !!detail?.participants.some((p) => p.user_id === userId && p.left_at == null);
  }

  async function join(id: number): Promise<void> {
    details[id] = await chatsApi.join(id);
    socket.follow(id, lastSeq(details[id]));
    refreshBar();
    refreshOngoing();
  }

  async function send(id: number, text: string): Promise<void> {
    const item: Outgoing = { client_msg_id: newId(), text, failed: null };
    (outgoing[id] ??= []).push(item);
    await deliver(id, item);
  }

  async function retry(id: number, clientMsgId: string): Promise<void> {
    const item = outgoing[id]?.find((o) => o.client_msg_id === clientMsgId);
    if (item) await deliver(id, item);
  }

  /** Over the socket when it is up, else over HTTP; the same client_msg_id makes retries safe. */
  async function deliver(id: number, item: Outgoing): Promise<void> {
    const list = () => outgoing[id] ?? [];
    const mark = (failed: string | null) => {
      const found = list().find((o) => o.client_msg_id === item.client_msg_id);
      if (found) found.failed = failed;
    };
    mark(null);
    try {
      if (socket.isOpen) {
        await socket.request({ type: "message", chat_id: id, text: item.text, client_msg_id: item.client_msg_id });
      } else {
        await chatsApi.message(id, item.text, item.client_msg_id);
        refreshDetail(id);
      }
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "offline" || code === "timeout") {
        try {
          await chatsApi.message(id, item.text, item.client_msg_id);
          refreshDetail(id);
          return;
        } catch (second) {
          mark(messageOf(second));
          return;
        }
      }
      mark(messageOf(error));
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
    } catch {
      mine.read_seq = before; // try again on the next chance
    }
    refreshBar();
  }

  function readMoved(envelope: Envelope): void {
    const { chat_id, user_id, read_seq } = envelope.data as { chat_id: number; user_id: number; read_seq: number };
    const participant = details[chat_id]?.participants.find((p) => p.user_id === user_id);
    if (participant && participant.read_seq < read_seq) participant.read_seq = read_seq;
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
    } else if (!isMe(author)) {
      state.agents = on
        ? [...new Set([...state.agents, author.name])]
        : state.agents.filter((name) => name !== author.name);
    }
  }

  function visitorEvent(envelope: Envelope): void {
    const data = envelope.data as Record<string, any>;
    const detail = details[data.chat_id as number];
    if (!detail) return;
    if (envelope.type === "visitor.page_viewed") {
      detail.visitor.page_url = data.url ?? null;
      detail.visitor.page_title = data.title ?? null;
    } else if (envelope.type === "visitor.minimized") {
      detail.visitor.minimized = !!data.minimized;
    } else if (envelope.type === "visitor.presence") {
      detail.visitor.connected = !!data.connected;
      if (!data.connected && typing[detail.id]) typing[detail.id].visitor = false;
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
    refreshBar();
  }

  async function end(id: number): Promise<number> {
    const ended = await chatsApi.end(id);
    refreshDetail(id);
    refreshBar();
    refreshOngoing();
    return ended.ticket_id;
  }

  /** After a dropped connection: everything that may have changed meanwhile. */
  function catchUp(): void {
    refreshBar();
    refreshOngoing();
    refreshAgents();
    Object.keys(details).forEach((id) => refreshDetail(Number(id)));
  }

  function reset(): void {
    bar.value = [];
    ongoing.value = [];
    agents.value = [];
    for (const id of Object.keys(details)) delete details[Number(id)];
  }

  return {
    bar, red, details, outgoing, typing, ongoing, ongoingLoaded, agents,
    loadBar, refreshBar, loadOngoing, refreshOngoing, loadAgents, refreshAgents, loadDetail, refreshDetail,
    applyEvent, isParticipant, join, send, retry, setTyping, markRead, readMoved, typingEvent, visitorEvent,
    setLabels, invite, leave, end, catchUp, reset, lastSeq,
  };
});
