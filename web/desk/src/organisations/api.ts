import { client, unwrap, type Schemas } from "../api/client";
import type { paths } from "../api/schema";

export type Organisation = Schemas["OrganisationRead"];
export type OrganisationTicket = Schemas["OrganisationTicketRead"];
export type OrganisationQuery = NonNullable<paths["/api/v1/organisations"]["get"]["parameters"]["query"]>;

const at = (id: number) => ({ params: { path: { organisation_id: id } } });

export const organisationsApi = {
  /** By name, a page at a time (`next_cursor`); `q` finds a part of a name or a domain. */
  list: (query: OrganisationQuery) => unwrap(client.GET("/api/v1/organisations", { params: { query } })),
  /** Every organisation (for a choice), a page of 100 at a time, at most `pages` pages. */
  async all(pages = 10): Promise<Organisation[]> {
    return (await organisationsApi.first(pages)).items;
  },
  /** The first `pages` pages of 100 by name, and whether that was all of them (`complete`). */
  async first(pages = 10): Promise<{ items: Organisation[]; complete: boolean }> {
    const found: Organisation[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < pages; page++) {
      const query: OrganisationQuery = { limit: 100 };
      if (cursor) query.cursor = cursor;
      const answer = await organisationsApi.list(query);
      found.push(...answer.items);
      cursor = answer.next_cursor;
      if (!cursor) break;
    }
    return { items: found, complete: !cursor };
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
