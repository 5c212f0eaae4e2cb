import { defineComponent } from "vue";
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import LoginPage from "./auth/LoginPage.vue";
import { closedPage } from "./auth/roles";
import { useAuth } from "./auth/store";
import { useInboxes } from "./inboxes/store";
import type { Key } from "./i18n";
import { pageKey, pageName } from "./ui/title";

// "/" shows nothing of its own: its guard always sends the agent on.
const Landing = defineComponent({ render: () => null });

const routes: RouteRecordRaw[] = [
  // In the main bundle, not loaded when needed: a session that ends (elsewhere, or the server
  // restarting) must show the login page at once, without fetching anything from the server.
  { path: "/login", component: LoginPage, meta: { public: true, title: "common.pageLogin" } },
  {
    path: "/",
    // A guard, not a `redirect`: the router works a redirect out before the guard below has
    // loaded the agent's inboxes, and sent everyone who opened the desk or logged in to Chats.
    component: Landing,
    beforeEnter: () => {
      const first = useInboxes().items[0];
      if (first) return `/inboxes/${first.id}/open`;
      // A light agent of no inbox (taken out of their last one) has no Chats: customers, which
      // every role reads, rather than a redirect back here for ever.
      return useAuth().isLightAgent ? "/customers" : "/chats";
    },
  },
  { path: "/inboxes/:inboxId(\\d+)/:folder(open|mine|unassigned|breaching|hold|snoozed|closed|spam)", component: () => import("./tickets/TicketList.vue"), meta: { title: "common.pageTickets" } },
  { path: "/search", component: () => import("./tickets/TicketList.vue"), meta: { title: "common.pageSearch" } },
  // A filtered list, its filters in the query (views/filters.ts), and a saved view's list.
  { path: "/tickets", component: () => import("./tickets/TicketList.vue"), meta: { title: "common.pageTickets" } },
  { path: "/views/:viewId(\\d+)", component: () => import("./tickets/TicketList.vue"), meta: { title: "common.pageTickets" } },
  { path: "/tickets/new", component: () => import("./tickets/NewTicketPage.vue"), meta: { full: true, title: "newTicket.title" } },
  { path: "/tickets/:id(\\d+)", component: () => import("./tickets/TicketPage.vue"), meta: { title: "common.pageTicket" } },
  { path: "/chats", component: () => import("./chats/ChatsPage.vue"), meta: { full: true, title: "common.chats" } },
  { path: "/visitors", component: () => import("./visitors/VisitorsPage.vue"), meta: { full: true, title: "visitors.title" } },
  { path: "/chats/:id(\\d+)", component: () => import("./chats/ChatWindow.vue"), meta: { full: true, title: "common.pageChat" } },
  { path: "/macros", component: () => import("./macros/MacrosPage.vue"), meta: { full: true, title: "macros.title" } },
  { path: "/replies", component: () => import("./replies/SavedRepliesPage.vue"), meta: { full: true, title: "replies.title" } },
  { path: "/knowledge", component: () => import("./knowledge/KnowledgePage.vue"), meta: { full: true, title: "knowledge.title" } },
  { path: "/knowledge/searches", component: () => import("./knowledge/SearchTerms.vue"), meta: { admin: true, title: "knowledge.tabSearches" } },
  { path: "/knowledge/:id(\\d+|new)", component: () => import("./knowledge/ArticleEditor.vue"), meta: { full: true, title: "knowledge.title" } },
  { path: "/reports", component: () => import("./reports/ReportsPage.vue"), meta: { full: true, title: "reports.title" } },
  { path: "/customers", component: () => import("./customers/CustomersPage.vue"), meta: { title: "customers.title" } },
  { path: "/customers/new", component: () => import("./customers/NewCustomerPage.vue"), meta: { full: true, title: "customers.newCustomer" } },
  { path: "/customers/:id(\\d+)", component: () => import("./customers/CustomerPage.vue"), meta: { title: "customers.customer" } },
  { path: "/organisations", component: () => import("./organisations/OrganisationsPage.vue"), meta: { title: "organisations.title" } },
  { path: "/organisations/new", component: () => import("./organisations/NewOrganisationPage.vue"), meta: { admin: true, title: "organisations.newOrganisation" } },
  { path: "/organisations/:id(\\d+)", component: () => import("./organisations/OrganisationPage.vue"), meta: { title: "organisations.organisation" } },
  { path: "/preferences", component: () => import("./preferences/PreferencesPage.vue"), meta: { title: "common.preferences" } },
  {
    path: "/settings",
    component: () => import("./settings/SettingsLayout.vue"),
    meta: { admin: true, title: "common.settings" },
    children: [
      { path: "", redirect: "/settings/users" },
      { path: "users", component: () => import("./settings/UsersSettings.vue"), meta: { title: "common.pageUsers" } },
      { path: "inboxes", component: () => import("./settings/InboxesSettings.vue"), meta: { title: "common.pageInboxes" } },
      { path: "labels", component: () => import("./settings/LabelsSettings.vue"), meta: { title: "common.pageLabels" } },
      { path: "fields", component: () => import("./fields/FieldsSettings.vue"), meta: { title: "fields.title" } },
      { path: "statuses", component: () => import("./statuses/StatusesSettings.vue"), meta: { title: "statuses.title" } },
      { path: "messenger", component: () => import("./settings/MessengerSettings.vue"), meta: { title: "common.pageMessenger" } },
      { path: "proactive", component: () => import("./proactive/ProactiveSettings.vue"), meta: { title: "proactive.title" } },
      { path: "outbox", component: () => import("./settings/OutboxSettings.vue"), meta: { title: "common.pageOutbox" } },
      { path: "security", component: () => import("./settings/SecuritySettings.vue"), meta: { title: "twoFactor.settingsTitle" } },
      { path: "apps", component: () => import("./settings/AppsSettings.vue"), meta: { title: "common.pageApps" } },
      { path: "ratings", component: () => import("./ratings/RatingSettings.vue"), meta: { title: "ratings.settingsNav" } },
      { path: "slas", component: () => import("./sla/SlaSettings.vue"), meta: { title: "sla.nav" } },
      { path: "rules", component: () => import("./rules/RulesSettings.vue"), meta: { title: "rules.title" } },
      { path: "webhooks", component: () => import("./webhooks/WebhooksSettings.vue"), meta: { title: "webhooks.title" } },
      { path: "blocked-senders", component: () => import("./spam/BlockedSenders.vue"), meta: { title: "spam.title" } },
      { path: "sso", component: () => import("./sso/SsoSettings.vue"), meta: { title: "sso.nav", owner: true } },
      { path: "audit", component: () => import("./audit/AuditLog.vue"), meta: { title: "audit.title", owner: true } },
    ],
  },
  { path: "/:rest(.*)*", component: () => import("./ui/NotFound.vue"), meta: { title: "common.pageNotFound" } },
];

export const router = createRouter({ history: createWebHistory("/"), routes });

router.beforeEach(async (to) => {
  const auth = useAuth();
  if (!auth.booted) await auth.boot();
  if (!to.meta.public && !auth.me) {
    return { path: "/login", query: to.fullPath !== "/" ? { next: to.fullPath } : {} };
  }
  if (to.path === "/login" && auth.me) return "/";
  // Until two-factor authentication is set up, the desk shows only that (App.vue): nothing to
  // load, and every other call would be refused.
  if (auth.mustSetUpTwoFactor) return true;
  if (auth.me && !useInboxes().loaded) await useInboxes().load().catch(() => undefined);
  // Settings for admins, owners' pages, and pages that only change things a light agent may not
  // (docs/desk.md, "Light agents").
  return closedPage(to.meta, auth.me?.role) ?? true;
});

router.afterEach((to, _from, failure) => {
  // A navigation overtaken by a later one ends here too, after the later one when its page
  // loaded more slowly: it must not leave its title on the page shown.
  if (failure) return;
  pageKey.value = (to.meta.title as Key | undefined) ?? null;
  pageName.value = "";
});
