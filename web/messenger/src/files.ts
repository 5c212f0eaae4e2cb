// Files and images the visitor sends and receives (docs/messenger.md, "Files and images").
//
// Sending: a message of files is a message like a text, in the chat's lane (conversation.ts,
// live.ts): its files upload as soon as they are picked (an upload is no message, nobody sees it
// before the message), each under a client id of its own kept for every try, and the message
// that sends them goes in its turn under its client_msg_id. The server dedupes both, so a retry
// is stored and posted once.
// Reading: an <img> or a link cannot send the visitor's token, so the messenger asks for signed
// links (valid for hours) and uses those.

import { passing, uuid, type Pending } from "./conversation";
import type { ConvoView } from "./convo";
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

export interface FilesHost {
  readonly t: Translate;
  readonly token: string | null;
  /** Where an upload's progress, and its trouble before its turn, are shown. */
  readonly view: { readonly convo: Pick<ConvoView, "progress" | "markOwn"> };
}

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

/** Refusals of the files themselves: sent again, they would be refused again. */
const REFUSALS: Record<string, Key> = {
  file_too_large: "fileTooLarge",
  file_disguised: "fileDisguised",
  file_type_refused: "fileTypeRefused",
  image_unreadable: "imageUnreadable",
  image_too_large: "imageUnreadable",
  file_empty: "fileEmpty",
  too_many_uploads: "tooManyUploads",
  files_gone: "filesGone",
};

/** The files' bytes are not here any more (the page was reloaded before they were stored). */
export const FILES_GONE = new ApiError("files_gone", "", 410);

/** A file the server refused, by name. */
export class FileRefused extends ApiError {
  constructor(
    error: ApiError,
    readonly file: string,
  ) {
    super(error.code, error.message, error.status, error.retryAfter, error.fields);
  }
}

function refusalKey(error: unknown): Key | undefined {
  if (!(error instanceof ApiError)) return undefined;
  // A proxy's own 413 (its page, not our error) means too large all the same.
  return REFUSALS[error.code] ?? (error.status === 413 ? "fileTooLarge" : undefined);
}

/** The files themselves were refused (too large, a program…), or are gone: sending them again
 * cannot help. */
export function refusedFiles(error: unknown): boolean {
  return refusalKey(error) !== undefined;
}

/** The visitor's words for files not sent, naming the file (`names`: the message's, when it was
 * not about one file). */
export function refusalText(t: Translate, error: unknown, names: string): string {
  // Trouble that passes, run out (conversation.ts, FILES_PATIENCE).
  if (passing(error)) return t("uploadStopped", { name: names });
  const key = refusalKey(error);
  const name = error instanceof FileRefused ? error.file : names;
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
        const retryAfter = Number(xhr.getResponseHeader("Retry-After")) || 0;
        reject(new ApiError(error?.code ?? `http_${xhr.status}`, error?.message ?? "", xhr.status, retryAfter));
      }
    };
    xhr.send(file);
  });
}

/** One message's files on their way: each under its client id, those stored skipped on the next
 * try. One upload runs at a time; whoever asks meanwhile joins it. */
class Upload {
  private clientIds: string[] = [];
  private stored: (string | null)[] = [];
  private running: Promise<string[]> | null = null;

  constructor(
    private readonly url: (file: File, clientId: string) => string,
    private readonly token: () => string | null,
    readonly files: File[],
    private readonly onProgress: (share: number) => void,
  ) {
    this.renew();
  }

  /** New client ids: the files are uploaded afresh (their earlier uploads may be gone). */
  renew(): void {
    this.running = null;
    this.clientIds = this.files.map(() => uuid());
    this.stored = this.files.map(() => null);
  }

  /** The stored files' ids, once all are stored. Rejects with the trouble, or with the refusal
   * of a file (FileRefused). */
  ready(): Promise<string[]> {
    this.running ??= this.run().catch((error: unknown) => {
      this.running = null;
      throw error;
    });
    return this.running;
  }

  private async run(): Promise<string[]> {
    const total = this.files.reduce((sum, file) => sum + file.size, 0) || 1;
    let done = 0;
    for (const [at, file] of this.files.entries()) {
      if (this.stored[at] == null) {
        try {
          const onProgress = (loaded: number) => this.onProgress((done + loaded) / total);
          const url = this.url(file, this.clientIds[at]!);
          this.stored[at] = (await upload(url, this.token(), file, onProgress)).id;
        } catch (error) {
          throw error instanceof ApiError && !passing(error) ? new FileRefused(error, file.name) : error;
        }
      }
      done += file.size;
      this.onProgress(done / total);
    }
    return this.stored as string[];
  }
}

export class Files {
  private readonly links = new Map<string, Promise<Links>>();
  /** The uploads of the messages of files on their way, or not sent, by client_msg_id. */
  private readonly uploads = new Map<string, Upload>();

  constructor(
    private readonly base: string,
    private readonly api: Fetcher,
    private readonly host: FilesHost,
  ) {}

  /** Starts uploading a message's files now; the message goes in its turn (`ready`). */
  start(cmid: string, chatId: number, files: File[]): void {
    const url = (file: File, clientId: string) =>
      `${this.base}/messenger/v1/uploads?chat_id=${chatId}&client_id=${clientId}&filename=${encodeURIComponent(file.name || "file")}`;
    const progress = (share: number) => this.host.view.convo.progress(cmid, share);
    const upload = new Upload(url, () => this.host.token, files, progress);
    this.uploads.set(cmid, upload);
    // Trouble before its turn shows at once; a refusal waits for its turn, in the order written.
    upload.ready().catch((error: unknown) => {
      if (passing(error)) this.host.view.convo.markOwn(cmid, "retrying");
    });
  }

  /** The ids of a pending message's files, once stored: known already (stored before a reload),
   * or from their upload, started again if it failed. FILES_GONE when neither. */
  ready(item: Pending): Promise<string[]> {
    const ids = item.files?.ids;
    if (ids) return Promise.resolve(ids);
    return this.uploads.get(item.cmid)?.ready() ?? Promise.reject(FILES_GONE);
  }

  /** The files of a message not sent are still here to be sent again. */
  has(cmid: string): boolean {
    return this.uploads.has(cmid);
  }

  /** Sent again after a refusal: uploaded afresh, under new client ids. */
  renew(cmid: string): void {
    this.uploads.get(cmid)?.renew();
  }

  /** The message was sent or discarded: its files are let go. */
  forget(cmid: string): void {
    this.uploads.delete(cmid);
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
