// Live visitors (docs/messenger.md, "Live visitors"): when the inbox shows its visitors to its
// agents, this part of messenger-proactive.js reports the visit: the page (address, title, and
// the referrer on the visit's first page) on load and after each in-page navigation, a heartbeat
// every 30 s while the tab is visible, and a beacon when the page goes. The answer may carry an
// agent's invitation, shown as the proactive bubble.
//
// The visit's id is random, kept in localStorage with the time of its last report, and drawn
// again after 30 minutes without one: it names a visit, not a browser for ever. Each page load
// has an id of its own (kept in memory), so that the server knows a tab that left from another
// one still open.

import type { ProactiveHost, ProactiveMessage } from "./proactive";

export const BEAT = 30_000;
const VISIT_GAP = 30 * 60_000;

interface Offered {
  id: string;
  text: string;
  sender: { name: string };
}

const random = (): string => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");

/** Starts reporting; answers the function to call after each in-page navigation. */
export function visits(host: ProactiveHost, invited: (message: ProactiveMessage) => void): () => void {
  const kept = host.local.get<{ id: string; at: number }>("visit");
  const visit = kept && Date.now() - kept.at < VISIT_GAP ? kept.id : random();
  const tab = random();
  const inbox = encodeURIComponent(host.inbox);
  let referrer = document.referrer.slice(0, 2000);

  const send = (page: boolean): void => {
    if (!page && document.hidden) return;
    host.local.set("visit", { id: visit, at: Date.now() });
    const body = { visit, tab, url: location.href.slice(0, 2000), title: document.title.slice(0, 500), referrer, page };
    referrer = "";
    host
      .api<{ invitation: Offered | null }>("POST", `/visits?inbox=${inbox}`, body)
      .then(({ invitation }) => {
        if (invitation)
          invited({ ...invitation, id: 0, invitation: invitation.id, page_rule: "", delay_seconds: 0, only_when_online: false });
      })
      .catch(() => undefined);
  };

  send(true);
  // The chat made a visitor of this browser: the agents see its name and the chat on the row.
  host.on("chat:started", () => send(false));
  window.setInterval(() => send(false), BEAT);
  document.addEventListener("visibilitychange", () => send(false));
  window.addEventListener("pagehide", () => {
    navigator.sendBeacon?.(`${host.base}/messenger/v1/visits/leave?inbox=${inbox}&visit=${visit}&tab=${tab}`);
  });
  // Back from the back/forward cache: the page that left is shown again.
  window.addEventListener("pageshow", (event) => event.persisted && send(true));
  return () => send(true);
}
