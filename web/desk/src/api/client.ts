/** The typed API client: openapi-fetch over the types generated from openapi.json, plus the two
 * things every call needs — the CSRF header on writes and readable errors. */
import createClient, { type Middleware } from "openapi-fetch";
import { locale, t, type Key } from "../i18n";
import * as errorWords from "../i18n/messages/errors";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

/** An error the server explained: {"error": {"code", "message", "fields"}}. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly fields: { field: string; message: string; code?: string }[] = [],
    /** Seconds after which the server expects the same request to succeed (`Retry-After`). */
    readonly retryAfter = 0,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let csrfToken: string | null = null;

/** Set from the login answer or GET /me; the `frontdesk_csrf` cookie is the fallback. */
export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? null;
}

export function currentCsrf(): string | null {
  const cookie = document.cookie.split("; ").find((part) => part.startsWith("frontdesk_csrf="));
  return csrfToken ?? (cookie ? decodeURIComponent(cookie.slice("frontdesk_csrf=".length)) : null);
}

type Listener = () => void;
const unauthorizedListeners: Listener[] = [];
/** Called when a request answers 401: the session ended elsewhere. */
export function onUnauthorized(listener: Listener): void {
  unauthorizedListeners.push(listener);
}

const twoFactorListeners: Listener[] = [];
/** Called when a request answers 403 two_factor_required: an owner now requires it of my role. */
export function onTwoFactorRequired(listener: Listener): void {
  twoFactorListeners.push(listener);
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method)) {
      const token = currentCsrf();
      if (token) request.headers.set("X-CSRF-Token", token);
    }
    return request;
  },
};

export const client = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
client.use(csrf);

export async function toApiError(response: Response, body: unknown): Promise<ApiError> {
  const error = (body as { error?: { code?: string; message?: string; fields?: [] } } | undefined)
    ?.error;
  // A wrong password or second-factor code is a 401 too, but no session ended.
  if (response.status === 401 && !/\/auth\/login(\/2fa)?$/.test(response.url)) {
    unauthorizedListeners.forEach((listener) => listener());
  }
  if (response.status === 403 && error?.code === "two_factor_required") {
    twoFactorListeners.forEach((listener) => listener());
  }
  const fallback = response.status >= 500 ? t("errors.server") : t("errors.requestFailed", { status: response.status });
  const retryAfter = Number(response.headers.get("Retry-After")) || 0;
  return new ApiError(error?.message ?? fallback, response.status, error?.code ?? "http_error", error?.fields ?? [], retryAfter);
}

/** Unwraps an openapi-fetch result: returns data, throws ApiError with the server's message. */
export async function unwrap<T>(
  promise: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await promise;
  } catch {
    throw new ApiError(t("errors.network"), 0, "network");
  }
  if (!result.response.ok) throw await toApiError(result.response, result.error);
  return result.data as T;
}

/**
 * What the server said, in the agent's language. The server explains in English, often naming
 * what is wrong; an English desk shows that. Another language shows the words errors.ts has for
 * the error's code, or the server's English when it has none (an "invalid" field, say).
 */
export function serverMessage(error: { message: string; code: string }): string {
  if (locale.value === "en" || !Object.prototype.hasOwnProperty.call(errorWords.en, error.code)) return error.message;
  return t(`errors.${error.code}` as Key);
}

/** A readable message from anything thrown: an ApiError, or a socket's refusal (also coded). */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return serverMessage(error);
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    return serverMessage({ message: error.message, code: error.code });
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
