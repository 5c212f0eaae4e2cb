// Files and images the visitor sends and receives (docs/messenger.md, "Files and images").
//
// Sending: each file is uploaded (XMLHttpRequest, for its progress) under a client id of its own,
// then one message sends them under a client_msg_id; a dropped connection retries both with the
// same ids, which the server dedupes, so a retried upload is stored and posted once.
// Reading: an <img> or a link cannot send the visitor's token, so the messenger asks for signed
// links (valid for hours) and uses those.

import { uuid, type Conversation } from "./conversation";
import { h, icon } from "./dom";
import { errorText } from "./errors";
import type { Key, Translate } from "./i18n";
import { ApiError, type Fetcher } from "./net";

export interface Attachment {
  id: string;
  filename: string;
  content_type: string;
  size: number;
  image: boolean;
  width: number | null;
  height: number | null;
}

interface Links {
  url: string;
  download_url: string;
  thumbnail_url: string | null;
}

/** What the upload bubble shows while a message of files is on its way. */
export interface Progress {
  progress(fraction: number): void;
  retrying(): void;
  failed(reason: string): void;
}

export interface FilesHost {
  readonly conversation: Conversation;
  readonly t: Translate;
  readonly token: string | null;
  drawUpload(cmid: string, files: File[]): Progress;
}

const MAX_TRIES = 6;

export const PAPERCLIP = [
  "M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9",
];

export function formatSize(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${Math.round(size / 1024)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}

/** "application/pdf" → "PDF", for the card. */
function kindOf(attachment: Attachment): string {
  const ext = /\.([a-z0-9]{1,5})$/i.exec(attachment.filename)?.[1];
  if (attachment.content_type === "application/pdf") return "PDF";
  return (ext ?? attachment.content_type.split("/")[1] ?? "file").toUpperCase();
}

const REFUSALS: Record<string, Key> = {
  file_too_large: "fileTooLarge",
  file_disguised: "fileDisguised",
  file_type_refused: "fileTypeRefused",
  image_unreadable: "imageUnreadable",
  image_too_large: "imageUnreadable",
  file_empty: "fileEmpty",
  too_many_uploads: "tooManyUploads",
};

/** The visitor's words for a file refused, naming it. */
export function refusalText(t: Translate, error: unknown, name: string): string {
  const key = error instanceof ApiError ? REFUSALS[error.code] : undefined;
  return key ? t(key, { name }) : errorText(t, error);
}

function upload(
  url: string,
  token: string | null,
  file: File,
  onProgress: (loaded: number) => void,
): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onerror = xhr.onabort = xhr.ontimeout = () => reject(new ApiError("network", "", 0));
    xhr.onload = () => {
      type Answer = { error?: { code?: string; message?: string } } | null;
      let data: Answer = null;
      try {
        data = JSON.parse(xhr.responseText) as Answer;
      } catch {
        // A proxy's page: the status says enough.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as unknown as Attachment);
      else {
        const error = (data as Answer)?.error;
        reject(new ApiError(error?.code ?? `http_${xhr.status}`, error?.message ?? "", xhr.status));
      }
    };
    xhr.send(file);
  });
}

export class Files {
  private readonly links = new Map<string, Promise<Links>>();

  constructor(
    private readonly base: string,
    private readonly api: Fetcher,
    private readonly host: FilesHost,
  ) {}

  /** Uploads the files and sends them as one message. */
  async send(files: File[]): Promise<void> {
    const chat = this.host.conversation.chat;
    if (!chat || chat.state === "ended" || !files.length) return;
    const cmid = uuid();
    const shown = this.host.drawUpload(cmid, files);
    const total = files.reduce((sum, file) => sum + file.size, 0) || 1;
    let done = 0;
    const ids: string[] = [];
    let current = files[0]!;
    try {
      for (const file of files) {
        current = file;
        const clientId = uuid();
        const query = `chat_id=${chat.id}&client_id=${clientId}&filename=${encodeURIComponent(file.name || "file")}`;
        const stored = await this.retrying(shown, () =>
          upload(`${this.base}/messenger/v1/uploads?${query}`, this.host.token, file, (loaded) =>
            shown.progress((done + loaded) / total),
          ),
        );
        done += file.size;
        ids.push(stored.id);
      }
      shown.progress(1);
      await this.retrying(shown, () =>
        this.api("POST", `/chats/${chat.id}/file-messages`, {
          client_msg_id: cmid,
          attachment_ids: ids,
        }),
      );
    } catch (error) {
      shown.failed(refusalText(this.host.t, error, current.name));
    }
  }

  /** Offline or a server error: tried again with the same ids, a little later each time. */
  private async retrying<T>(shown: Progress, action: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await action();
      } catch (error) {
        const again = error instanceof ApiError && (error.network || error.status >= 500);
        if (!again || attempt >= MAX_TRIES) throw error;
        shown.retrying();
        await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 8000)));
      }
    }
  }

  private linksOf(chatId: number, fileId: string): Promise<Links> {
    let links = this.links.get(fileId);
    if (!links) {
      links = this.api<Links>("GET", `/chats/${chatId}/files/${fileId}/links`);
      links.catch(() => this.links.delete(fileId));
      this.links.set(fileId, links);
    }
    return links;
  }

  /** A message's files: images as thumbnails that open full size, others as download cards. */
  render(chatId: number, attachments: Attachment[]): HTMLElement {
    const t = this.host.t;
    const list = h("ul", { class: "files", "aria-label": t("attachments") });
    for (const attachment of attachments) {
      const link = h("a", { target: "_blank", rel: "noopener noreferrer" });
      if (attachment.image) {
        const ratio = (attachment.height ?? 3) / (attachment.width ?? 4);
        const img = h("img", {
          alt: attachment.filename,
          width: 220,
          height: Math.round(220 * Math.min(ratio, 1.5)),
        });
        link.className = "thumb";
        link.title = t("openImage", { name: attachment.filename });
        link.append(img);
        void this.linksOf(chatId, attachment.id)
          .then((links) => {
            img.src = this.base + (links.thumbnail_url ?? links.url);
            link.href = this.base + links.url;
          })
          .catch(() => undefined);
      } else {
        link.className = "file-card";
        link.setAttribute("download", attachment.filename);
        link.append(
          h("span", { class: "file-icon", "aria-hidden": "true" }, icon(...PAPERCLIP)),
          h(
            "span",
            { class: "file-text" },
            h("span", { class: "file-name", text: attachment.filename }),
            h("span", {
              class: "file-meta",
              text: `${kindOf(attachment)} · ${formatSize(attachment.size)}`,
            }),
          ),
        );
        link.title = t("download", { name: attachment.filename });
        void this.linksOf(chatId, attachment.id)
          .then((links) => (link.href = this.base + links.download_url))
          .catch(() => undefined);
      }
      list.append(h("li", {}, link));
    }
    return list;
  }
}
