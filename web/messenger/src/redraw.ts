// A language's words come late (after the messenger showed in English, docs/messenger.md
// "Languages"): the messenger drawn again in them, as it was. Carried by each language's own
// script (fr-entry.ts), not by messenger.js: only a visitor whose words come that way needs it.

import type { View } from "./view";

/** Everything drawn again in the words now spoken: the panel open or not, its screen, what was
 * typed in its fields (some, such as the late email's, keep no draft), the focus on the
 * launcher if it was there. */
export function redraw(view: View): void {
  const shadow = view.host.shadowRoot!;
  const typed = [...shadow.querySelectorAll<HTMLInputElement>("input[id], textarea[id]")];
  const onLauncher = shadow.activeElement?.classList.contains("launcher");
  view.build();
  if (view.isOpen) view.open();
  view.renderScreen();
  for (const field of typed) {
    const drawn = shadow.getElementById(field.id) as HTMLInputElement | null;
    if (drawn) drawn.value = field.value;
  }
  if (onLauncher) view.focusLauncher();
}
