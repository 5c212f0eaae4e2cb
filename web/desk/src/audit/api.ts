import { client, unwrap, type Schemas } from "../api/client";

export type AuditEvent = Schemas["AuditEventRead"];
export type AuditFilters = {
  actor_id?: number;
  action?: string;
  target_type?: string;
  from?: string;
  to?: string;
};

export const auditApi = {
  list: (filters: AuditFilters, cursor?: string | null) =>
    unwrap(
      client.GET("/api/v1/audit-events", {
        params: { query: { ...filters, ...(cursor ? { cursor } : {}), limit: 50 } },
      }),
    ),
  /** The same entries as a CSV download (the browser sends the session cookie). */
  csvUrl: (filters: AuditFilters): string => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) {
      if (value !== undefined && value !== "") params.set(key, String(value));
    }
    const query = params.toString();
    return `/api/v1/audit-events.csv${query ? `?${query}` : ""}`;
  },
};
