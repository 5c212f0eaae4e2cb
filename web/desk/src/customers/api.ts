import { ApiError, client, unwrap, type Schemas } from "../api/client";
import type { paths } from "../api/schema";

export type CustomerQuery = NonNullable<paths["/api/v1/customers"]["get"]["parameters"]["query"]>;

/** A refusal over an address or phone that belongs to another customer (`contact_taken`), who
 * is named by `customerId` when the agent may see them (customers/service.py `ContactTaken`). */
export class ContactTaken extends ApiError {
  constructor(
    error: ApiError,
    readonly customerId: number,
  ) {
    super(error.message, error.status, error.code, error.fields, error.retryAfter);
  }
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** `unwrap`, keeping the customer a `contact_taken` refusal names. */
async function naming<T>(promise: Promise<Answer<T>>): Promise<T> {
  let owner: unknown = null;
  const read = promise.then((answer) => {
    owner = (answer.error as { error?: { customer_id?: unknown } } | undefined)?.error?.customer_id ?? null;
    return answer;
  });
  try {
    return await unwrap(read);
  } catch (e) {
    if (e instanceof ApiError && typeof owner === "number") throw new ContactTaken(e, owner);
    throw e;
  }
}

export const customersApi = {
  /** The customers the agent may see, a page at a time (`next_cursor`); `q` searches them. */
  list: (query: CustomerQuery) => unwrap(client.GET("/api/v1/customers", { params: { query } })),
  /** The one customer who has this address (exactly, any case), if the agent may see them. */
  byEmail: async (email: string) =>
    (await unwrap(client.GET("/api/v1/customers", { params: { query: { email } } }))).items[0] ?? null,
  get: (id: number) =>
    unwrap(client.GET("/api/v1/customers/{customer_id}", { params: { path: { customer_id: id } } })),
  create: (body: Schemas["CustomerCreate"]) => naming(client.POST("/api/v1/customers", { body })),
  update: (id: number, body: Schemas["CustomerUpdate"]) =>
    naming(client.PATCH("/api/v1/customers/{customer_id}", { params: { path: { customer_id: id } }, body })),
  merge: (targetId: number, sourceId: number) =>
    unwrap(
      client.POST("/api/v1/customers/{customer_id}/merge", {
        params: { path: { customer_id: targetId } },
        body: { source_id: sourceId },
      }),
    ),
};
