/** A menu's keys (WAI-ARIA menu button), shared by the desk's menus: ↑ and ↓ go round the items,
 * Home and End to the first and last, Esc closes and goes back to the button (and goes no
 * further: a list's Esc, say, must not also clear its selection), Tab closes and moves on. */
export function menuKey(event: KeyboardEvent, items: HTMLElement[], close: (refocus?: boolean) => void): void {
  const at = items.indexOf(document.activeElement as HTMLElement);
  const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[event.key];
  if (to !== undefined && items.length) {
    event.preventDefault();
    items[(to + items.length) % items.length]?.focus();
  } else if (event.key === "Escape") {
    event.preventDefault();
    event.stopPropagation();
    close(true);
  } else if (event.key === "Tab") {
    close();
  }
}

/** ↓ or ↑ on a closed menu's button opens it at the first or last item. */
export function buttonKey(event: KeyboardEvent, open: boolean, show: (at: "first" | "last") => unknown): void {
  if (open || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
  event.preventDefault();
  void show(event.key === "ArrowDown" ? "first" : "last");
}
