import { client, unwrap, type Schemas } from "../api/client";

export type SlaPolicy = Schemas["SlaPolicyRead"];
export type SlaPolicyWrite = Schemas["SlaPolicyWrite"];
export type Priority = Schemas["TicketPriority"];
export const PRIORITIES: readonly Priority[] = ["low", "normal", "high", "urgent"];

const policy = (policy_id: number) => ({ params: { path: { policy_id } } });

export const slaApi = {
  list: () => unwrap(client.GET("/api/v1/sla-policies")),
  create: (body: SlaPolicyWrite) => unwrap(client.POST("/api/v1/sla-policies", { body })),
  update: (id: number, body: SlaPolicyWrite) =>
    unwrap(client.PUT("/api/v1/sla-policies/{policy_id}", { ...policy(id), body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/sla-policies/{policy_id}", policy(id))),
};
