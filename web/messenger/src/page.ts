// The host page: its address and title as the agent sees them, navigation in single-page apps,
// and the count of unseen agent messages shown in its title while the tab is hidden. One page,
// one messenger: the state is the module's.

let titleCount = 0;
let ownTitle = "";
let reported = "";

/** The page's own title, without our count. */
export function pageTitle(): string {
  return titleCount ? ownTitle : document.title;
}

/** The address and title, when they changed since they were last taken. */
export function pageChanged(): { url: string; title: string } | null {
  const url = location.href.slice(0, 2000);
  const title = pageTitle().slice(0, 500);
  if (`${url}\n${title}` === reported) return null;
  reported = `${url}\n${title}`;
  return { url, title };
}

/** Nobody has the address yet (a new connection, a failed request): take it again. */
export function pageUnreported(): void {
  reported = "";
}

export function flashTitle(): void {
  if (!document.hidden) return;
  if (!titleCount) ownTitle = document.title;
  titleCount += 1;
  document.title = `(${titleCount}) ${ownTitle}`;
}

export function restoreTitle(): void {
  if (!titleCount) return;
  if (document.title.startsWith(`(${titleCount}) `)) document.title = ownTitle;
  titleCount = 0;
}

/** Calls `navigated` after every change of address, pushState and replaceState included. */
export function watchNavigation(navigated: () => void): void {
  // Single-page apps usually set the new title just after changing the URL.
  const changed = (): void => void window.setTimeout(navigated, 150);
  for (const name of ["pushState", "replaceState"] as const) {
    const original = history[name];
    history[name] = function (this: History, ...args: Parameters<History["pushState"]>) {
      const result = original.apply(this, args);
      changed();
      return result;
    };
  }
  window.addEventListener("popstate", changed);
}
