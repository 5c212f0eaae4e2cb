import { client, unwrap, type Schemas } from "../api/client";

export type LiveVisitor = Schemas["LiveVisitorRead"];

export const visitorsApi = {
  list: () => unwrap(client.GET("/api/v1/visitors")),
  invite: (visitId: string, body: Schemas["InvitationCreate"]) =>
    unwrap(client.POST("/api/v1/visitors/{visit_id}/invitation", { params: { path: { visit_id: visitId } }, body })),
};
