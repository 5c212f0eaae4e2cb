// An admin changes the role of someone whose desk is open (docs/desk.md, "Light agents"): the
// server sends `inbox.membership_changed` without an inbox to that user's sockets; the desk reads
// /me again and everything the role decides follows. An event about one inbox's members is no
// role change and reads nothing more. A page the new role may not open is left for the one the
// router's guard would have chosen.

import assert from "node:assert/strict";
import test from "node:test";
import { g } from "./page";

let role = "agent";
const read: string[] = [];
g.fetch = async (request: Request) => {
  const path = new URL(request.url).pathname;
  read.push(path);
  const body =
    path === "/api/v1/me"
      ? { id: 7, name: "Linus Engineer", email: "linus@example.com", role, is_active: true, available_for_chat: false, max_concurrent_chats: 3, preferences: {}, csrf_token: null }
      : [];
  return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
};

const { createPinia, setActivePinia } = await import("pinia");
const { useAuth } = await import("../src/auth/store");
const { closedPage } = await import("../src/auth/roles");
const { eventTable } = await import("../src/realtime/events");

async function settled(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 50 && !done(); turn++) await new Promise<void>((resolve) => setImmediate(() => resolve()));
}

const membership = (data: Record<string, unknown>) => ({ type: "inbox.membership_changed", chat_id: null, seq: null, data });

test("a role change without a reload: /me read again, the new role and its sentence", async () => {
  setActivePinia(createPinia());
  const auth = useAuth();
  await auth.boot();
  assert.equal(auth.isLightAgent, false);
  const table = eventTable();

  // One inbox's members changed: no role change, /me is not read.
  read.length = 0;
  table["inbox.membership_changed"]?.(membership({ inbox_id: 3 }));
  await settled(() => false);
  assert.deepEqual(read.filter((path) => path === "/api/v1/me"), []);

  role = "collaborator";
  table["inbox.membership_changed"]?.(membership({}));
  await settled(() => auth.isLightAgent);
  assert.equal(auth.isLightAgent, true);
  assert.deepEqual(auth.roleChange, { to: "collaborator", moved: false });

  // The same event for what is not my role (the two-factor rule): /me is read, nothing is said.
  auth.roleChange = null;
  read.length = 0;
  table["inbox.membership_changed"]?.(membership({}));
  await settled(() => read.includes("/api/v1/me"));
  await settled(() => false);
  assert.equal(auth.roleChange, null);

  role = "admin";
  table["inbox.membership_changed"]?.(membership({}));
  await settled(() => auth.isAdmin);
  assert.equal(auth.isLightAgent, false);
  assert.deepEqual(auth.roleChange, { to: "admin", moved: false });

  // Another read of /me got there first (a page's, the socket's resume): the change is told all
  // the same, once; the event's own read after it finds nothing new to say.
  auth.roleChange = null;
  role = "agent";
  await auth.refresh();
  assert.deepEqual(auth.roleChange, { to: "agent", moved: false });
  auth.roleChange = null;
  read.length = 0;
  table["inbox.membership_changed"]?.(membership({}));
  await settled(() => read.includes("/api/v1/me"));
  await settled(() => false);
  assert.equal(auth.roleChange, null);
});

test("the pages each role may not open, and where the desk goes instead", () => {
  const reports = { full: true };
  const settings = { admin: true };
  const audit = { admin: true, owner: true };
  const ticket = {};
  assert.equal(closedPage(reports, "collaborator"), "/");
  assert.equal(closedPage(reports, "agent"), null);
  assert.equal(closedPage(settings, "collaborator"), "/");
  assert.equal(closedPage(settings, "agent"), "/");
  assert.equal(closedPage(settings, "admin"), null);
  assert.equal(closedPage(audit, "admin"), "/settings");
  assert.equal(closedPage(audit, "owner"), null);
  for (const each of ["owner", "admin", "agent", "collaborator"] as const) assert.equal(closedPage(ticket, each), null);
});
