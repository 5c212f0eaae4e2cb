import { client, unwrap, type Schemas } from "../api/client";

export type ImportAnswer = Schemas["CustomerImportRead"];
export type ImportRow = Schemas["ImportRowRead"];

/** The server's limit (customers/importing.py `MAX_BYTES`): a larger file is refused here,
 * before it is sent. */
export const MAX_BYTES = 5 * 1024 * 1024;

/** `POST /customers/import`: the file's bytes as the body, as the server reads an upload.
 * `dryRun`: the preview, which writes nothing. */
export function importCustomers(file: Blob, dryRun: boolean): Promise<ImportAnswer> {
  return unwrap(
    client.POST("/api/v1/customers/import", {
      params: { query: { dry_run: dryRun } },
      // Sent as it is, not as JSON.
      body: file as unknown as string,
      bodySerializer: (body: unknown) => body as Blob,
      headers: { "Content-Type": "text/csv" },
    }),
  );
}

/** A row's problem without the "Row 14: " the server starts it with, for a table with a Row
 * column. */
export function withoutRow(message: string): string {
  return message.replace(/^Row \d+: /, "");
}
