/**
 * A desk left open across a deploy (docs/desk.md, "A new version of the desk"). Its pages and its
 * French words are chunks fetched when first needed, named by their content; the new version
 * replaced them, so the open desk asks for files that are gone. When a chunk cannot be fetched,
 * the desk asks the server which version it serves now: a new one, and the page is loaded afresh
 * at the place the agent was going (nothing is lost that a move to another page would keep); the
 * same one, and the failure was the network's, which the page says, offering to try again.
 *
 * A load afresh happens at most once a minute for one place: a release whose own chunks cannot
 * be fetched either must not load the page over and over.
 */
import { ref } from "vue";

/** The place a page could not be opened for, the network failing; null when none. */
export const unreachable = ref<string | null>(null);

const LOADED_AFRESH = "frontdesk.loadedAfresh";
const AGAIN_AFTER_MS = 60_000;

// Chromium, Firefox and Safari word a module that could not be fetched each their own way; Vite's
// preloading of a chunk's style sheet has its own words.
const CHUNK_FAILURE = /dynamically imported module|module script failed|Unable to preload CSS/i;

/** Whether `error` is a chunk of the desk that could not be fetched. */
export function isChunkFailure(error: unknown): boolean {
  return error instanceof Error && CHUNK_FAILURE.test(error.message);
}

/** The desk's entry script, "/assets/index-….js", in a page of HTML (the one running if none). */
export function entryScript(html?: string): string | null {
  const page = html === undefined ? document : new DOMParser().parseFromString(html, "text/html");
  const script = page.querySelector<HTMLScriptElement>('script[type="module"][src]');
  return script?.getAttribute("src") ?? null;
}

/**
 * Whether the server serves another version of the desk than this one; null when it cannot be
 * asked (the network is down) or does not answer with the desk.
 */
export async function newVersionOut(): Promise<boolean | null> {
  const running = entryScript();
  try {
    const response = await fetch("/", { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) return null;
    const served = entryScript(await response.text());
    return served === null || running === null ? null : served !== running;
  } catch {
    return null;
  }
}

function loadedAfreshLately(place: string, now: number): boolean {
  try {
    const last = JSON.parse(sessionStorage.getItem(LOADED_AFRESH) ?? "null") as { place?: string; at?: number } | null;
    return last?.place === place && typeof last.at === "number" && now - last.at < AGAIN_AFTER_MS;
  } catch {
    return false;
  }
}

/** Loads the page afresh at `place`, unless it was done for that place within the minute. */
export function loadAfresh(place: string): boolean {
  const now = Date.now();
  if (loadedAfreshLately(place, now)) return false;
  try {
    sessionStorage.setItem(LOADED_AFRESH, JSON.stringify({ place, at: now }));
  } catch {
    // Storage refused (a private window's quota): the reload still serves the agent.
  }
  window.location.assign(place);
  return true;
}

/**
 * After a chunk of the desk could not be fetched on the way to `place`: loads the new version
 * there when there is one, and tells whether it did.
 */
export async function recover(place: string): Promise<boolean> {
  return (await newVersionOut()) === true && loadAfresh(place);
}
