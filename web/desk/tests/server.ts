// The desk's server as the browser sees it — fetch and the WebSocket — kept in memory, for tests
// of the desk's stores with their own API client and socket. Imported before any module of the
// desk: it puts in place the few browser globals they use (window, document, navigator, location)
// and the two ways out (Request resolves "/api/..." against the page, as a browser does).
//
// It answers what the chat window uses: GET /api/v1/chats/{id}, POST …/messages, the files' two
// steps (an upload by XMLHttpRequest to /api/v1/chat-uploads, then POST …/file-messages), and on
// the socket `message` and `resume` (docs/realtime.md), a replay from the `resume` in the URL,
// then `ready`. `down()` takes it away as a killed server is (sockets closed, requests refused,
// new sockets closed at once) and `up()` brings it back; `socketsRefused` takes the socket away
// alone; `refuseMessages` answers every message as the server does when it cannot take one for
// now (a rate limit, its database out of reach), on the socket and over HTTP alike.

import { g, ORIGIN } from "./page";

type Json = Record<string, unknown>;

export interface StoredEvent {
  type: string;
  chat_id: number;
  seq: number;
  at: string;
  data: Json;
}

const AGENT = { kind: "agent", id: 1, name: "Ada Lovelace" };

g.fetch = (input: Request) => server.fetch(input);

class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readyState = FakeSocket.CONNECTING;
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  /** The last seq sent to this socket, per chat it follows. */
  readonly following = new Map<number, number>();

  constructor(url: string) {
    const resume = new URL(url).searchParams.get("resume");
    queueMicrotask(() => {
      if (!server.isUp || server.socketsRefused) return this.close(1006);
      this.readyState = FakeSocket.OPEN;
      server.sockets.add(this);
      this.onopen?.();
      for (const part of resume ? resume.split(",") : []) {
        const [chat, seq] = part.split(":").map(Number);
        this.follow(chat, seq);
      }
      this.push({ type: "ready", data: {} });
    });
  }

  send(raw: string): void {
    if (this.readyState !== FakeSocket.OPEN) throw new Error("InvalidStateError");
    const frame = JSON.parse(raw) as Json & { ref?: string };
    queueMicrotask(() => {
      if (this.readyState !== FakeSocket.OPEN) return;
      if (frame.type === "message") {
        const answer = server.message(frame.chat_id as number, frame.text as string, frame.client_msg_id as string);
        if ("error" in answer) this.push({ type: "error", ref: frame.ref, error: answer.error });
        else this.push({ type: "ack", ref: frame.ref, data: answer });
      } else if (frame.type === "resume") {
        for (const [chat, seq] of Object.entries(frame.chats as Record<string, number>)) this.follow(Number(chat), seq);
        this.push({ type: "ack", ref: frame.ref, data: {} });
      } else if (frame.ref) {
        this.push({ type: "ack", ref: frame.ref, data: {} });
      }
    });
  }

  close(code = 1000): void {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    server.sockets.delete(this);
    queueMicrotask(() => this.onclose?.({ code, reason: "" }));
  }

  /** Replays the chat after `seq`, then sends its live events. */
  follow(chatId: number, seq: number): void {
    this.following.set(chatId, seq);
    for (const event of server.events(chatId)) if (event.seq > seq) this.event(event);
  }

  event(event: StoredEvent): void {
    const last = this.following.get(event.chat_id);
    if (last === undefined || event.seq <= last) return;
    this.following.set(event.chat_id, event.seq);
    this.push(event as unknown as Json);
  }

  private push(frame: Json): void {
    const data = JSON.stringify(frame);
    queueMicrotask(() => this.readyState === FakeSocket.OPEN && this.onmessage?.({ data }));
  }
}
g.WebSocket = FakeSocket;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** What the server answers a message it cannot take for now: the HTTP status, and the error with
 * its `retry_after` (the `Retry-After` header over HTTP), as errors.py shapes it. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  retry_after?: number;
}

/** An upload as the browser sends it: XMLHttpRequest, for its progress. */
class FakeXhr {
  status = 0;
  responseText = "";
  readonly upload: { onprogress: ((event: { loaded: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  withCredentials = false;
  private url = "";
  private headers = new Map<string, string>();

  open(_method: string, url: string): void {
    this.url = url;
  }
  setRequestHeader(): void {}
  getResponseHeader(name: string): string | null {
    return this.headers.get(name.toLowerCase()) ?? null;
  }
  send(body: File): void {
    setTimeout(() => {
      if (!server.isUp) return this.onerror?.();
      this.upload.onprogress?.({ loaded: body.size });
      const query = new URL(this.url, ORIGIN).searchParams;
      const answer = server.upload(Number(query.get("chat_id")), query.get("client_id")!, query.get("filename")!, body.size);
      this.status = answer.status;
      this.responseText = JSON.stringify(answer.body);
      this.onload?.();
    }, 50);
  }
}
g.XMLHttpRequest = FakeXhr;

class FakeDeskServer {
  isUp = true;
  socketsRefused = false;
  refusal: Refusal | null = null;
  /** The uploads stored, by chat and client id: their file ids. */
  readonly uploads = new Map<string, { id: string; filename: string; size: number }>();
  /** How many times a message (by client_msg_id) was sent, whichever way. */
  readonly tries = new Map<string, number>();
  readonly sockets = new Set<FakeSocket>();
  private chats = new Map<number, { state: string; events: StoredEvent[] }>();

  /** A fresh server holding one ongoing chat in which the agent (user 1) answers. */
  reset(chatId: number): void {
    for (const socket of [...this.sockets]) socket.close(1000);
    this.isUp = true;
    this.socketsRefused = false;
    this.refusal = null;
    this.uploads.clear();
    this.tries.clear();
    const at = new Date().toISOString();
    const hello = { id: 1, author: { kind: "visitor", name: "Marie" }, text: "Hello", client_msg_id: "v-1", created_at: at };
    this.chats = new Map([[chatId, { state: "active", events: [{ type: "chat.message_added", chat_id: chatId, seq: 1, at, data: { message: hello } }] }]]);
  }

  /** The server goes away: its sockets close, requests and new sockets fail. */
  down(): void {
    this.isUp = false;
    for (const socket of [...this.sockets]) socket.close(1006);
  }

  up(): void {
    this.isUp = true;
  }

  refuseMessages(refusal: Refusal | null): void {
    this.refusal = refusal;
  }

  refuseSockets(refused: boolean): void {
    this.socketsRefused = refused;
    if (refused) for (const socket of [...this.sockets]) socket.close(1006);
  }

  events(chatId: number): StoredEvent[] {
    return this.chats.get(chatId)?.events ?? [];
  }

  /** The texts of the chat's messages, in the order stored; a message of files by its files'
   * names ("files: a.png"). */
  texts(chatId: number): string[] {
    return this.events(chatId)
      .filter((e) => e.type === "chat.message_added")
      .map((e) => {
        const message = e.data.message as { text: string; attachments?: { filename: string }[] };
        return message.attachments?.length ? `files: ${message.attachments.map((a) => a.filename).join(", ")}` : message.text;
      });
  }

  /** The first step of sending files: stored once per (chat, client id). */
  upload(chatId: number, clientId: string, filename: string, size: number): { status: number; body: Json } {
    if (!this.chats.has(chatId)) return { status: 404, body: { error: { code: "not_found", message: "No such chat." } } };
    if (filename.endsWith(".exe")) {
      return { status: 422, body: { error: { code: "file_type_refused", message: "Programs and scripts cannot be sent." } } };
    }
    const key = `${chatId}:${clientId}`;
    const stored = this.uploads.get(key) ?? { id: `f-${this.uploads.size + 1}`, filename, size };
    this.uploads.set(key, stored);
    return { status: 201, body: { ...stored, content_type: "application/pdf", image: false, width: null, height: null } };
  }

  /** The chat ends (the visitor ended it, say). */
  end(chatId: number): void {
    const chat = this.chats.get(chatId)!;
    chat.state = "ended";
    this.append(chatId, "chat.ended", { reason: "visitor" });
  }

  message(chatId: number, text: string, clientMsgId: string, attachmentIds: string[] = []): Json {
    this.tries.set(clientMsgId, (this.tries.get(clientMsgId) ?? 0) + 1);
    const chat = this.chats.get(chatId);
    if (!chat) return { error: { code: "not_found", message: "No such chat." } };
    if (this.refusal) {
      const { code, message, retry_after } = this.refusal;
      return { error: { code, message, ...(retry_after === undefined ? {} : { retry_after }) } };
    }
    const stored = chat.events.find((e) => (e.data.message as { client_msg_id?: string } | undefined)?.client_msg_id === clientMsgId);
    if (stored) return { seq: stored.seq, message_id: stored.seq, duplicate: true };
    if (chat.state === "ended") return { error: { code: "chat_ended", message: "This chat has ended." } };
    const at = new Date().toISOString();
    const event = this.append(chatId, "chat.message_added", {
      message: {
        id: chat.events.length + 1,
        author: AGENT,
        text,
        client_msg_id: clientMsgId,
        created_at: at,
        attachments: attachmentIds.map((id) => [...this.uploads.values()].find((u) => u.id === id)),
      },
    });
    return { seq: event.seq, message_id: event.seq, duplicate: false };
  }

  async fetch(request: Request): Promise<Response> {
    if (!this.isUp) throw new TypeError("Failed to fetch");
    const path = new URL(request.url).pathname;
    const detail = path.match(/^\/api\/v1\/chats\/(\d+)$/);
    if (request.method === "GET" && detail) return json(200, this.detail(Number(detail[1])));
    const messages = path.match(/^\/api\/v1\/chats\/(\d+)\/(messages|file-messages)$/);
    if (request.method === "POST" && messages) {
      const body = (await request.json()) as { text: string; client_msg_id: string; attachment_ids?: string[] };
      const answer = this.message(Number(messages[1]), body.text, body.client_msg_id, body.attachment_ids);
      const code = (answer.error as { code?: string } | undefined)?.code;
      if (code && this.refusal?.code === code) {
        // As errors.py answers over HTTP: the error alone, its wait in the Retry-After header.
        const { retry_after, ...error } = answer.error as Json;
        const headers: Record<string, string> = { "Content-Type": "application/json" };
        if (retry_after !== undefined) headers["Retry-After"] = String(retry_after);
        return new Response(JSON.stringify({ error: { code: error.code, message: error.message } }), { status: this.refusal.status, headers });
      }
      return json(code === "chat_ended" ? 409 : code ? 404 : 201, answer);
    }
    if (request.method === "GET") return json(200, []);
    return json(200, {});
  }

  private append(chatId: number, type: string, data: Json): StoredEvent {
    const events = this.chats.get(chatId)!.events;
    const event = { type, chat_id: chatId, seq: events.length + 1, at: new Date().toISOString(), data };
    events.push(event);
    for (const socket of this.sockets) socket.event(event);
    return event;
  }

  private detail(chatId: number): Json {
    const chat = this.chats.get(chatId)!;
    const events = chat.events;
    const started = events[0].at;
    return {
      id: chatId,
      inbox_id: 1,
      state: chat.state,
      visitor_name: "Marie",
      visitor_email: null,
      visitor_verified: false,
      started_at: started,
      answered_at: started,
      ended_at: chat.state === "ended" ? events[events.length - 1].at : null,
      end_reason: chat.state === "ended" ? "visitor" : null,
      last_message_text: "",
      last_message_at: null,
      last_seq: events.length,
      ticket_id: null,
      participants: [{ user_id: AGENT.id, name: AGENT.name, joined_at: started, left_at: null, read_seq: 0 }],
      invitations: [],
      labels: [],
      visitor: { name: "Marie", email: null, verified: false, connected: true, minimized: false, page_url: null, page_title: null, attributes: {} },
      events: structuredClone(events),
      offer: null,
    };
  }
}

export const server = new FakeDeskServer();
export { AGENT };
