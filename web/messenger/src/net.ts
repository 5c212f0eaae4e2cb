// The two transports: JSON over HTTP (/messenger/v1) and the socket (/messenger/v1/ws, see
// docs/realtime.md). Neither knows about chats; the messenger decides what to do with frames.

/** One refused input: `code` is stable (docs/api.md), `message` is the server's English. */
export interface FieldProblem {
  field: string;
  code: string;
  message?: string;
  limit?: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly retryAfter = 0,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }

  get network(): boolean {
    return this.status === 0;
  }
}

export type Json = Record<string, unknown>;

/** What an error frame of the socket says (docs/realtime.md), with the HTTP status the same
 * refusal has over HTTP: the server's own trouble is retried, a refusal of the input is not. */
export function frameError(error: FrameError): ApiError {
  const status = FRAME_STATUS[error.code] ?? 400;
  return new ApiError(error.code, error.message, status, error.retry_after, error.fields);
}
export interface FrameError {
  code: string;
  message: string;
  retry_after?: number;
  fields?: FieldProblem[];
}
const FRAME_STATUS: Record<string, number> = { rate_limited: 429, internal: 500, database_unavailable: 503 };

export function http(base: string, token: () => string | null) {
  return async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const bearer = token();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(base + "/messenger/v1" + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // Never send the host's or the desk's cookies: the visitor is known by their token only.
        credentials: "omit",
        mode: "cors",
      });
    } catch {
      throw new ApiError("network", "", 0);
    }
    if (response.status === 204) return undefined as T;
    let data: unknown = null;
    try {
      data = await response.json();
    } catch {
      // A proxy's HTML error page: the status code says enough.
    }
    if (!response.ok) {
      const error = (
        data as { error?: { code?: string; message?: string; fields?: FieldProblem[] } } | null
      )?.error;
      throw new ApiError(
        error?.code ?? `http_${response.status}`,
        error?.message ?? response.statusText,
        response.status,
        Number(response.headers.get("Retry-After")) || 0,
        Array.isArray(error?.fields) ? error.fields : [],
      );
    }
    return data as T;
  };
}

export type Fetcher = ReturnType<typeof http>;

export interface SocketHandlers {
  hello(): Json;
  frame(frame: Json): void;
  up(): void;
  down(): void;
  /** 4401 or 4403: retrying would not help. */
  fatal(code: number): void;
}

const MAX_BACKOFF = 30_000;
/** The close code a server busy or restarting gives ("Try Again Later", RFC 6455). */
export const CLOSE_TRY_AGAIN = 1013;

/** The seconds a socket's close reason asks the client to wait: `retry_after=5` (or
 * "retry after 5 s"), the socket's Retry-After; 0 when it names none. */
export function closeRetryAfter(reason: string): number {
  const match = /retry[ _-]?after\D{0,3}(\d{1,6})/i.exec(reason);
  return match ? Number(match[1]) : 0;
}

/** The wait before the next try to connect: the server's wait when it gave one (never less),
 * else exponential back-off (1 s, 2 s, 4 s … 30 s), both with jitter so that a restarted server
 * is not hit by every messenger at once. */
export function reconnectDelay(attempt: number, serverWait: number, random = Math.random()): number {
  const backoff = Math.min(MAX_BACKOFF, 1000 * 2 ** attempt) * (0.5 + random / 2);
  // The server's wait is a floor: jitter only ever adds to it (up to a quarter more).
  return serverWait > 0 ? Math.max(backoff, serverWait * 1000 * (1 + random / 4)) : backoff;
}

/** One WebSocket that says hello, answers pings, and reconnects with exponential back-off. */
export class Socket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer = 0;
  private watchdog = 0;
  private lastHeard = 0;
  /** The seconds the server asked this try to wait before the next (a refused hello's
   * `retry_after`, a 1013 close's reason). */
  private serverWait = 0;
  /** Until when the server asked us not to come back: the network coming back does not hurry it. */
  private waitUntil = 0;
  private stopped = true;
  ready = false;

  constructor(
    private readonly url: string,
    private readonly on: SocketHandlers,
    private readonly heartbeat = 25_000,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
    // Silence for two heartbeats means a dead connection the browser has not noticed yet.
    this.watchdog = window.setInterval(() => {
      if (this.ws && Date.now() - this.lastHeard > 2 * this.heartbeat + 5000) this.ws.close();
    }, 10_000);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    this.ready = false;
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
  }

  /** The network is back: don't wait for the back-off timer (but the server's own wait, when it
   * asked for one, is kept: it is busy, not unreachable). */
  nudge(): void {
    if (this.stopped || this.ws || Date.now() < this.waitUntil) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  send(frame: Json): boolean {
    if (!this.ready || !this.ws) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.lastHeard = Date.now();
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", ref: "hello", ...this.on.hello() }));
    ws.onmessage = (message) => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      let frame: Json;
      try {
        frame = JSON.parse(String(message.data)) as Json;
      } catch {
        return;
      }
      if (frame.type === "ping") {
        ws.send('{"type":"pong"}');
        return;
      }
      if (frame.type === "error" && frame.ref === "hello") {
        // The hello refused for a while (the database restarting, too many connections): the
        // server closes next, and says how long to wait.
        const wait = Number((frame.error as { retry_after?: unknown } | undefined)?.retry_after);
        if (wait > 0) this.serverWait = Math.max(this.serverWait, wait);
      }
      if (frame.type === "ack" && frame.ref === "hello") {
        this.attempt = 0;
        this.serverWait = 0;
        this.ready = true;
        this.on.up();
        return;
      }
      this.on.frame(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const wasReady = this.ready;
      this.ready = false;
      if (wasReady) this.on.down();
      if (this.stopped) return;
      if (event.code === 4401 || event.code === 4403) {
        this.stop();
        this.on.fatal(event.code);
        return;
      }
      if (event.code === CLOSE_TRY_AGAIN || event.code === 1011 || event.code === 1001) {
        this.serverWait = Math.max(this.serverWait, closeRetryAfter(event.reason ?? ""));
      }
      const delay = reconnectDelay(this.attempt++, this.serverWait);
      this.waitUntil = this.serverWait ? Date.now() + delay : 0;
      this.serverWait = 0;
      this.retryTimer = window.setTimeout(() => {
        this.retryTimer = 0;
        this.connect();
      }, delay);
    };
  }
}
