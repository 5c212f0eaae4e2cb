// An upload for the reply box (docs/desk.md, "Files in a reply"): streamed with its progress under
// a client id of its own. A dropped connection or a 5xx retries with the same id; the server keeps
// one file per (agent, ticket, client id), so a retried upload is stored once.

import { ApiError, currentCsrf, type Schemas } from "../api/client";
import { t } from "../i18n";

export type StoredFile = Schemas["StoredFileRead"];

export function newClientId(): string {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function uploadOnce(ticketId: number, file: File, clientId: string, onProgress: (loaded: number) => void): Promise<StoredFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ ticket_id: String(ticketId), client_id: clientId, filename: file.name || "file" });
    xhr.open("POST", `/api/v1/uploads?${query}`);
    xhr.withCredentials = true;
    const csrf = currentCsrf();
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onerror = xhr.onabort = xhr.ontimeout = () => reject(new ApiError(t("ticketFiles.offline"), 0, "network"));
    xhr.onload = () => {
      let body: { error?: { code?: string; message?: string } } | undefined;
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as unknown as StoredFile);
      else reject(new ApiError(body?.error?.message ?? xhr.statusText, xhr.status, body?.error?.code ?? `http_${xhr.status}`));
    };
    xhr.send(file);
  });
}

const MAX_TRIES = 5;

/** The file stored, after up to MAX_TRIES tries of the same upload; `onProgress` gets 0..1. */
export async function uploadReplyFile(
  ticketId: number,
  file: File,
  onProgress: (fraction: number, retrying: boolean) => void,
): Promise<StoredFile> {
  const clientId = newClientId();
  for (let attempt = 1; ; attempt++) {
    try {
      return await uploadOnce(ticketId, file, clientId, (loaded) => onProgress(loaded / (file.size || 1), false));
    } catch (error) {
      const again = error instanceof ApiError && (error.status === 0 || error.status >= 500);
      if (!again || attempt >= MAX_TRIES) throw error;
      onProgress(0, true);
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 8000)));
    }
  }
}
