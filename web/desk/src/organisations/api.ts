import { client, unwrap, type Schemas } from "../api/client";
import type { paths } from "../api/schema";

export type Organisation = Schemas["OrganisationRead"];
export type OrganisationTicket = Schemas["OrganisationTicketRead"];
export type OrganisationName = Schemas["OrganisationNameRead"];
export type OrganisationQuery = NonNullable<paths["/api/v1/organisations"]["get"]["parameters"]["query"]>;

const at = (id: number) => ({ params: { path: { organisation_id: id } } });

export const organisationsApi = {
  /** By name, a page at a time (`next_cursor`); `q` finds a part of a name or a domain. */
  list: (query: OrganisationQuery) => unwrap(client.GET("/api/v1/organisations", { params: { query } })),
  /** The first 1,000 by name, ids and names only (for a choice), and whether that was all of
   * them (`complete`); with `q`, the first 50 that match a part of a name or a domain. */
  async names(q?: string): Promise<{ items: OrganisationName[]; complete: boolean }> {
    const query = q ? { q, limit: 50 } : {};
    const answer = await unwrap(client.GET("/api/v1/organisations/names", { params: { query } }));
    return { items: answer.items, complete: !answer.next_cursor };
  },
  get: (id: number) => unwrap(client.GET("/api/v1/organisations/{organisation_id}", at(id))),
  create: (body: Schemas["OrganisationCreate"]) => unwrap(client.POST("/api/v1/organisations", { body })),
  update: (id: number, body: Schemas["OrganisationUpdate"]) =>
    unwrap(client.PATCH("/api/v1/organisations/{organisation_id}", { ...at(id), body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/organisations/{organisation_id}", at(id))),
  customers: (id: number, cursor: string | null, limit: number) =>
    unwrap(
      client.GET("/api/v1/organisations/{organisation_id}/customers", {
        params: { path: { organisation_id: id }, query: { limit, ...(cursor ? { cursor } : {}) } },
      }),
    ),
  tickets: (id: number, cursor: string | null, limit: number) =>
    unwrap(
      client.GET("/api/v1/organisations/{organisation_id}/tickets", {
        params: { path: { organisation_id: id }, query: { limit, ...(cursor ? { cursor } : {}) } },
      }),
    ),
};

/** "acme.com, acme.fr" or one a line → ["acme.com", "acme.fr"]. */
export function domainsOf(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((domain) => domain.trim())
    .filter(Boolean);
}
