// Sending files in a chat (docs/desk.md, "Files and images in chats"): each file is uploaded with
// its progress under a client id of its own, then one message sends them under a client_msg_id.
// A dropped connection retries both with the same ids; the server dedupes, so a retried upload is
// stored and posted once.

import { ApiError, client, currentCsrf, messageOf } from "../../api/client";
import { t, type Key } from "../../i18n";

export interface ChatAttachment {
  id: string;
  filename: string;
  content_type: string;
  size: number;
  image: boolean;
  width: number | null;
  height: number | null;
}

export const fileUrl = (chatId: number, fileId: string, variant: "file" | "download" | "thumbnail" = "file") =>
  `/api/v1/chats/${chatId}/files/${encodeURIComponent(fileId)}?variant=${variant}`;

function newId(): string {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

const REFUSALS: Record<string, Key> = {
  file_too_large: "chatFiles.tooLarge",
  file_disguised: "chatFiles.disguised",
  file_type_refused: "chatFiles.typeRefused",
  image_unreadable: "chatFiles.unreadable",
  image_too_large: "chatFiles.unreadable",
  file_empty: "chatFiles.empty",
  too_many_uploads: "chatFiles.tooManyUploads",
};

/** Why a file was refused, naming it, in the agent's language. */
export function refusal(error: unknown, name: string): string {
  const key = error instanceof ApiError ? REFUSALS[error.code] : undefined;
  return key ? t(key, { name }) : messageOf(error);
}

function uploadOne(chatId: number, file: File, clientId: string, onProgress: (loaded: number) => void): Promise<ChatAttachment> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ chat_id: String(chatId), client_id: clientId, filename: file.name || "file" });
    xhr.open("POST", `/api/v1/chat-uploads?${query}`);
    xhr.withCredentials = true;
    const csrf = currentCsrf();
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onerror = xhr.onabort = xhr.ontimeout = () => reject(new ApiError(t("chatFiles.offline"), 0, "network"));
    xhr.onload = () => {
      let body: { error?: { code?: string; message?: string } } | undefined;
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as unknown as ChatAttachment);
      else reject(new ApiError(body?.error?.message ?? xhr.statusText, xhr.status, body?.error?.code ?? `http_${xhr.status}`));
    };
    xhr.send(file);
  });
}

const MAX_TRIES = 6;

async function retrying<T>(onRetry: () => void, action: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      const again = error instanceof ApiError && (error.status === 0 || error.status >= 500);
      if (!again || attempt >= MAX_TRIES) throw error;
      onRetry();
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 8000)));
    }
  }
}

/** One message of files on its way, as the chat window shows it. */
export interface OutgoingFiles {
  key: string;
  names: string;
  progress: number;
  retrying: boolean;
  failed: string | null;
}

/** Uploads the files and sends them as one message; `state` is updated as it goes. */
export async function sendFiles(chatId: number, files: File[], state: OutgoingFiles): Promise<void> {
  const total = files.reduce((sum, file) => sum + file.size, 0) || 1;
  const onRetry = () => (state.retrying = true);
  let done = 0;
  const ids: string[] = [];
  let current = files[0]!;
  try {
    for (const file of files) {
      current = file;
      const clientId = newId();
      const stored = await retrying(onRetry, () =>
        uploadOne(chatId, file, clientId, (loaded) => {
          state.retrying = false;
          state.progress = (done + loaded) / total;
        }),
      );
      done += file.size;
      ids.push(stored.id);
    }
    state.progress = 1;
    await retrying(onRetry, async () => {
      const { error, response } = await client.POST("/api/v1/chats/{chat_id}/file-messages", {
        params: { path: { chat_id: chatId } },
        body: { client_msg_id: state.key, attachment_ids: ids, text: "" },
      });
      if (error || !response.ok) {
        const body = error as { error?: { code?: string; message?: string } } | undefined;
        throw new ApiError(body?.error?.message ?? response.statusText, response.status, body?.error?.code ?? "");
      }
    });
    state.retrying = false;
  } catch (error) {
    state.failed = refusal(error, current.name);
  }
}

export function outgoing(files: File[]): OutgoingFiles {
  return { key: newId(), names: files.map((file) => file.name).join(", "), progress: 0, retrying: false, failed: null };
}
