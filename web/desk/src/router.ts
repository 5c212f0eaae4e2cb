import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import { useAuth } from "./auth/store";
import { useInboxes } from "./inboxes/store";
import { pageName } from "./ui/title";

const routes: RouteRecordRaw[] = [
  { path: "/login", component: () => import("./auth/LoginPage.vue"), meta: { public: true, title: "Log in" } },
  {
    path: "/",
    redirect: () => {
      const first = useInboxes().items[0];
      return first ? `/inboxes/${first.id}/open` : "/chats";
    },
  },
  { path: "/inboxes/:inboxId(\\d+)/:folder(open|mine|unassigned|hold|snoozed|closed)", component: () => import("./tickets/TicketList.vue"), meta: { title: "Tickets" } },
  { path: "/search", component: () => import("./tickets/TicketList.vue"), meta: { title: "Search" } },
  { path: "/tickets/:id(\\d+)", component: () => import("./tickets/TicketPage.vue"), meta: { title: "Ticket" } },
  { path: "/chats", component: () => import("./chats/ChatsPage.vue"), meta: { title: "Chats" } },
  { path: "/chats/:id(\\d+)", component: () => import("./chats/ChatWindow.vue"), meta: { title: "Chat" } },
  { path: "/preferences", component: () => import("./preferences/PreferencesPage.vue"), meta: { title: "Preferences" } },
  {
    path: "/settings",
    component: () => import("./settings/SettingsLayout.vue"),
    meta: { admin: true, title: "Settings" },
    children: [
      { path: "", redirect: "/settings/users" },
      { path: "users", component: () => import("./settings/UsersSettings.vue"), meta: { title: "Users" } },
      { path: "inboxes", component: () => import("./settings/InboxesSettings.vue"), meta: { title: "Inboxes" } },
      { path: "labels", component: () => import("./settings/LabelsSettings.vue"), meta: { title: "Labels" } },
      { path: "messenger", component: () => import("./settings/MessengerSettings.vue"), meta: { title: "Messenger" } },
      { path: "outbox", component: () => import("./settings/OutboxSettings.vue"), meta: { title: "Outbox" } },
      { path: "apps", component: () => import("./settings/AppsSettings.vue"), meta: { title: "Sidebar apps" } },
    ],
  },
  { path: "/:rest(.*)*", component: () => import("./ui/NotFound.vue"), meta: { title: "Not found" } },
];

export const router = createRouter({ history: createWebHistory("/"), routes });

router.beforeEach(async (to) => {
  const auth = useAuth();
  if (!auth.booted) await auth.boot();
  if (!to.meta.public && !auth.me) {
    return { path: "/login", query: to.fullPath !== "/" ? { next: to.fullPath } : {} };
  }
  if (to.path === "/login" && auth.me) return "/";
  if (auth.me && !useInboxes().loaded) await useInboxes().load().catch(() => undefined);
  if (to.meta.admin && !auth.isAdmin) return "/";
  return true;
});

router.afterEach((to) => {
  pageName.value = (to.meta.title as string | undefined) ?? "";
});
