/** Which pages a role may open (docs/desk.md, "Light agents"): the router's guard asks it before
 * every navigation, and the desk again when an admin changes the signed-in user's role while a
 * page is open (auth/RoleChangedBanner.vue). */
import type { Schemas } from "../api/client";

export type Role = Schemas["Role"];

/** What a route's `meta` says about who may open it. */
export interface PageRights {
  /** Owners and admins only (Settings). */
  admin?: unknown;
  /** Owners only (single sign-on, the audit log). */
  owner?: unknown;
  /** Pages that only change things a light agent may not (New ticket, Chats, Reports…). */
  full?: unknown;
}

/** Where the desk sends a user of this role instead of the page, or null when they may open it. */
export function closedPage(meta: PageRights, role: Role | undefined): string | null {
  const admin = role === "owner" || role === "admin";
  if (meta.admin && !admin) return "/";
  if (meta.full && role === "collaborator") return "/";
  if (meta.owner && role !== "owner") return "/settings";
  return null;
}
