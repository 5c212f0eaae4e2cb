// The host page: its address and title as the agent sees them, navigation in single-page apps,
// and the count of unseen agent messages shown in its title while the tab is hidden.

export class Page {
  private titleCount = 0;
  private pageTitle = document.title;
  private last = "";

  /** The page's own title, without our count. */
  title(): string {
    return this.titleCount ? this.pageTitle : document.title;
  }

  /** The address and title, when they changed since they were last taken. */
  changed(): { url: string; title: string } | null {
    const url = location.href.slice(0, 2000);
    const title = this.title().slice(0, 500);
    if (`${url}\n${title}` === this.last) return null;
    this.last = `${url}\n${title}`;
    return { url, title };
  }

  /** Nobody has the address yet (a new connection, a failed request): `changed` gives it again. */
  unreported(): void {
    this.last = "";
  }

  flashTitle(): void {
    if (!document.hidden) return;
    if (!this.titleCount) this.pageTitle = document.title;
    this.titleCount += 1;
    document.title = `(${this.titleCount}) ${this.pageTitle}`;
  }

  restoreTitle(): void {
    if (!this.titleCount) return;
    if (document.title.startsWith(`(${this.titleCount}) `)) document.title = this.pageTitle;
    this.titleCount = 0;
  }

  /** Calls `navigated` after every change of address, pushState and replaceState included. */
  watch(navigated: () => void): void {
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
}
