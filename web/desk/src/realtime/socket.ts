/** The desk's one WebSocket (/api/v1/ws, see docs/realtime.md): connects, answers pings,
 * reconnects with back-off, resumes every followed chat from its last applied seq, and matches
 * command replies to their `ref`. What the events *mean* lives in ./events.ts. */
import { ref } from "vue";
import { t } from "../i18n";

export interface Envelope {
  type: string;
  chat_id: number | null;
  seq: number | null;
  at?: string | null;
  // Its shape follows `type`: the action for each event type reads the payload it knows.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: Record<string, any>;
}

/** Anything the server sends: an event, an answer to a request, or the socket's own chatter. */
interface Frame {
  type: string;
  ref?: string;
  chat_id?: number | null;
  seq?: number | null;
  data?: unknown;
  error?: { message?: string; code?: string; retry_after?: number };
}

export type SocketStatus = "idle" | "connecting" | "open" | "reconnecting" | "closed";

interface Pending {
  resolve: (data: unknown) => void;
  reject: (error: SocketError) => void;
  timer: number;
}

export class SocketError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** Seconds after which the server expects the same request to succeed (0: not said). */
    readonly retryAfter = 0,
  ) {
    super(message);
  }
}

const HEARTBEAT_SILENCE_MS = 60_000; // the server pings every 25 s; two missed pings = dead
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 15_000;

export class DeskSocket {
  readonly status = ref<SocketStatus>("idle");
  private ws: WebSocket | null = null;
  private attempt = 0;
  private refs = 0;
  private pending = new Map<string, Pending>();
  private seqs = new Map<number, number>();
  private retryTimer: number | undefined;
  private silenceTimer: number | undefined;
  private wanted = false;
  private everOpened = false;

  constructor(
    private readonly onEvent: (envelope: Envelope) => void,
    private readonly onResumed: (afterDrop: boolean) => void,
    private readonly onUnauthenticated: () => void,
  ) {}

  start(): void {
    this.wanted = true;
    if (!this.ws) this.connect();
  }

  stop(): void {
    this.wanted = false;
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.silenceTimer);
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, "bye");
    this.failPending(t("errors.connectionClosed"));
    this.seqs.clear();
    this.everOpened = false;
    this.status.value = "idle";
  }

  /** Follow a chat from `seq` on: it is resumed after every reconnect. */
  follow(chatId: number, seq: number): void {
    if ((this.seqs.get(chatId) ?? -1) < seq) this.seqs.set(chatId, seq);
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.request({ type: "resume", chats: { [chatId]: seq } }).catch(() => undefined);
    }
  }

  /** Stop resuming a chat after reconnects (the server's subscription ends with the socket). */
  forget(chatId: number): void {
    this.seqs.delete(chatId);
  }

  /** Record that the event `seq` of a followed chat has been applied. */
  applied(chatId: number, seq: number): void {
    if (this.seqs.has(chatId) && (this.seqs.get(chatId) ?? 0) < seq) this.seqs.set(chatId, seq);
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends a command; resolves with the `ack` data, rejects with the `error`. */
  request<T = unknown>(frame: Record<string, unknown>): Promise<T> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new SocketError(t("errors.notConnected"), "offline"));
    }
    const ref = `d${++this.refs}`;
    return new Promise<T>((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this.pending.delete(ref);
        reject(new SocketError(t("errors.noAnswer"), "timeout"));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(ref, { resolve: resolve as (data: unknown) => void, reject, timer });
      ws.send(JSON.stringify({ ...frame, ref }));
    });
  }

  /** Fire and forget (typing). */
  send(frame: Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private connect(): void {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    // What we hold goes in the URL, so the server replays it before any live event of those chats.
    const resume = [...this.seqs].map(([chat, seq]) => `${chat}:${seq}`).join(",");
    const query = resume ? `?resume=${resume}` : "";
    const ws = new WebSocket(`${scheme}://${location.host}/api/v1/ws${query}`);
    this.ws = ws;
    this.status.value = this.everOpened ? "reconnecting" : "connecting";
    ws.onopen = () => {
      this.attempt = 0;
      this.status.value = "open";
      this.heard();
    };
    ws.onmessage = (message) => {
      this.heard();
      let frame: Frame;
      try {
        frame = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (frame.type === "ping") {
        ws.send(JSON.stringify({ type: "pong" }));
        return;
      }
      if (frame.type === "ready") {
        // Sent once the resume in the URL has been replayed: what the socket missed is back.
        const afterDrop = this.everOpened;
        this.everOpened = true;
        this.onResumed(afterDrop);
        return;
      }
      if ((frame.type === "ack" || frame.type === "error") && frame.ref && this.pending.has(frame.ref)) {
        const pending = this.pending.get(frame.ref)!;
        this.pending.delete(frame.ref);
        window.clearTimeout(pending.timer);
        if (frame.type === "ack") pending.resolve(frame.data);
        else {
          const { message, code, retry_after: retryAfter } = frame.error ?? {};
          pending.reject(new SocketError(message ?? t("errors.refused"), code ?? "error", retryAfter ?? 0));
        }
        return;
      }
      if (frame.type === "ack" || frame.type === "error") return;
      if (frame.chat_id != null && frame.seq != null) this.applied(frame.chat_id, frame.seq);
      this.onEvent(frame as Envelope);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      window.clearTimeout(this.silenceTimer);
      this.failPending(t("errors.connectionDropped"));
      if (event.code === 4401) {
        this.status.value = "closed";
        this.onUnauthenticated();
        return;
      }
      if (event.code === 4403 || !this.wanted) {
        this.status.value = "closed";
        return;
      }
      this.status.value = "reconnecting";
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
      this.attempt += 1;
      this.retryTimer = window.setTimeout(() => this.connect(), delay);
    };
  }

  /** Any frame is a sign of life; long silence means a dead connection: drop and reconnect. */
  private heard(): void {
    window.clearTimeout(this.silenceTimer);
    this.silenceTimer = window.setTimeout(() => this.ws?.close(4000, "heartbeat lost"), HEARTBEAT_SILENCE_MS);
  }

  private failPending(message: string): void {
    for (const [ref, pending] of this.pending) {
      window.clearTimeout(pending.timer);
      pending.reject(new SocketError(message, "offline"));
      this.pending.delete(ref);
    }
  }
}
