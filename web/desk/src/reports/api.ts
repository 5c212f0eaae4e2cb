/** The reports' REST calls (/api/v1/reports): the same filters for every table. */
import { client, unwrap, type Schemas } from "../api/client";

export type ReportFilters = {
  since: string;
  until: string;
  time_zone: string;
  inbox_id?: number;
  channel?: "chat" | "email" | "web";
  agent_id?: number;
  label_id?: number;
  // Response and resolution times in the inboxes' business hours; left out: calendar hours.
  hours?: "business" | "calendar";
};
export type VolumeRow = Schemas["VolumeRow"];
export type HourCell = Schemas["HourCell"];
export type TimeFigure = Schemas["TimeFigure"];
export type AgentRow = Schemas["AgentRow"];
export type CsatDay = Schemas["CsatDay"];
export type CommentRow = Schemas["CommentRow"];
export type ReportTicket = Schemas["ReportTicket"];
export type SlaRow = Schemas["SlaRow"];
export type OpenWorkRow = Schemas["OpenWorkRow"];
export type Drill = {
  figure: string;
  day?: string;
  weekday?: number;
  hour?: number;
  agent_id?: number;
  // open_work: a row of Open work by status (its status left out: the state's plain one).
  state?: string;
  status_id?: number;
};

export type TimeTrackedRow = Schemas["TimeTrackedRow"];

export const TABLES = ["volume", "busiest_hours", "times", "agents", "csat", "comments", "sla", "time_tracked", "statuses"] as const;
export type Table = (typeof TABLES)[number];

export const reportsApi = {
  volume: (query: ReportFilters) => unwrap(client.GET("/api/v1/reports/volume", { params: { query } })),
  hours: (query: ReportFilters) => unwrap(client.GET("/api/v1/reports/busiest_hours", { params: { query } })),
  times: (query: ReportFilters) => unwrap(client.GET("/api/v1/reports/times", { params: { query } })),
  agents: (query: ReportFilters) => unwrap(client.GET("/api/v1/reports/agents", { params: { query } })),
  csat: (query: ReportFilters) => unwrap(client.GET("/api/v1/reports/csat", { params: { query } })),
  comments: (query: ReportFilters) => unwrap(client.GET("/api/v1/reports/comments", { params: { query } })),
  sla: (query: ReportFilters) => unwrap(client.GET("/api/v1/reports/sla", { params: { query } })),
  /** Open work by status: now, so the range is not sent. */
  statuses: (filters: ReportFilters) => {
    const { inbox_id, channel, agent_id, label_id } = filters;
    return unwrap(client.GET("/api/v1/reports/statuses", { params: { query: { inbox_id, channel, agent_id, label_id } } }));
  },
  timeTracked: (query: ReportFilters) => unwrap(client.GET("/api/v1/reports/time_tracked", { params: { query } })),
  tickets: (query: ReportFilters, drill: Drill) =>
    unwrap(client.GET("/api/v1/reports/tickets", { params: { query: { ...query, ...drill } } })),
};

/** The CSV download of a table, with the filters on screen. */
export function csvUrl(table: Table, filters: ReportFilters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== undefined) params.set(key, String(value));
  return `/api/v1/reports/${table}.csv?${params.toString()}`;
}
