import { client, unwrap, type Schemas } from "../api/client";

export type Rule = Schemas["RuleRead"];
export type When = Rule["when"];
export type Condition = Rule["conditions"][number];
export type DryRun = Schemas["DryRunRead"];
export type RuleRun = Schemas["RuleRunRead"];
export type Definition = Schemas["RuleDefinition"];

const path = (id: number) => ({ params: { path: { rule_id: id } } });

export const rulesApi = {
  list: () => unwrap(client.GET("/api/v1/rules")),
  create: (body: Schemas["RuleCreate"]) => unwrap(client.POST("/api/v1/rules", { body })),
  update: (id: number, body: Schemas["RuleUpdate"]) => unwrap(client.PATCH("/api/v1/rules/{rule_id}", { ...path(id), body })),
  remove: (id: number) => unwrap(client.DELETE("/api/v1/rules/{rule_id}", path(id))),
  order: (ruleIds: number[]) => unwrap(client.PUT("/api/v1/rules/order", { body: { rule_ids: ruleIds } })),
  /** The tickets the rule would touch now; nothing is changed or saved. */
  dryRun: (body: Definition) => unwrap(client.POST("/api/v1/rules/dry-run", { body })),
  runs: (id: number) => unwrap(client.GET("/api/v1/rules/{rule_id}/runs", path(id))),
};
