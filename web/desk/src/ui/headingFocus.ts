/**
 * A page that opens on a form (New ticket, New customer, New organisation) puts the focus on its
 * heading, so that a screen reader starts there ("New ticket, heading level 1") rather than at the
 * top of the page. The heading is no control (tabindex -1: Tab never stops on it), so it shows no
 * focus ring: Chromium draws one for focus a script moves before any click or key (the page
 * loaded from its address, or reloaded), which read as a stray box round the title. The next Tab
 * lands on the first field, with its ring, as ever (docs/desk.md, "Keyboard and accessibility").
 */
export function focusHeading(heading: HTMLElement | null | undefined): void {
  // `focusVisible` (Chromium, Firefox) is not in TypeScript's DOM types yet; a browser without it
  // focuses as before.
  const options: FocusOptions & { focusVisible?: boolean } = { focusVisible: false };
  heading?.focus(options);
}
