// Sending files in a chat (docs/desk.md, "Files and images"): each file is uploaded with its
// progress under a client id of its own, then one message sends them under a client_msg_id, in
// its turn in the chat's lane (../outbox.ts). A dropped connection retries both with the same
// ids; the server dedupes, so a retried upload is stored and posted once.

import { ApiError, client, currentCsrf, messageOf, unwrap } from "../../api/client";
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
      else {
        const retryAfter = Number(xhr.getResponseHeader("Retry-After")) || 0;
        reject(new ApiError(body?.error?.message ?? xhr.statusText, xhr.status, body?.error?.code ?? `http_${xhr.status}`, [], retryAfter));
      }
    };
    xhr.send(file);
  });
}

/**
 * A message's files on their way: each uploaded under a client id of its own, kept for every try,
 * so that a retry (its answer lost, say) is stored once. The upload starts when the files are
 * picked; the chat's lane (../outbox.ts) asks for the stored ids when the message's turn comes,
 * and a failed upload starts again then, the files already stored skipped.
 */
export class FileUpload {
  private readonly clientIds: string[];
  private readonly stored: (string | null)[];
  private running: Promise<string[]> | null = null;

  constructor(
    private readonly chatId: number,
    readonly files: File[],
    /** How far the upload has come, 0 to 1. */
    private readonly onProgress: (share: number) => void,
  ) {
    this.clientIds = files.map(() => newId());
    this.stored = files.map(() => null);
  }

  /** Starts uploading now; what goes wrong is heard when the message's turn comes (`ready`). */
  start(): void {
    this.ready().catch(() => undefined);
  }

  /** The stored files' ids, once all are stored. Rejects with the trouble (no connection, the
   * server busy) or with the refusal of a file, in words that name it. */
  ready(): Promise<string[]> {
    this.running ??= this.upload().catch((error: unknown) => {
      this.running = null;
      throw error;
    });
    return this.running;
  }

  private async upload(): Promise<string[]> {
    const total = this.files.reduce((sum, file) => sum + file.size, 0) || 1;
    let done = 0;
    for (const [at, file] of this.files.entries()) {
      if (this.stored[at] === null) {
        try {
          const stored = await uploadOne(this.chatId, file, this.clientIds[at]!, (loaded) => this.onProgress((done + loaded) / total));
          this.stored[at] = stored.id;
        } catch (error) {
          if (error instanceof ApiError && REFUSALS[error.code]) {
            throw new ApiError(refusal(error, file.name), error.status, error.code, error.fields, error.retryAfter);
          }
          throw error;
        }
      }
      done += file.size;
      this.onProgress(done / total);
    }
    return this.stored as string[];
  }
}

/** Posts the message that sends the stored files (`client_msg_id` makes a retry answer the
 * stored message). */
export async function postFileMessage(chatId: number, clientMsgId: string, attachmentIds: string[]): Promise<void> {
  await unwrap(
    client.POST("/api/v1/chats/{chat_id}/file-messages", {
      params: { path: { chat_id: chatId } },
      body: { client_msg_id: clientMsgId, attachment_ids: attachmentIds, text: "" },
    }),
  );
}
