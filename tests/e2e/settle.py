"""Before a screenshot: the page's motion is over, waited for rather than slept through."""

from __future__ import annotations

import asyncio

from playwright.async_api import Page

# Two frames first, so that a transition that starts on the next frame (Vue's <Transition>, a
# class toggled by a watcher) is running; then every finite animation or transition of the
# document and of its shadow roots (the messenger's) is awaited. Infinite ones (the typing dots)
# never end and are left alone. A hidden page paints no frames: nothing to wait for there.
_SETTLED = """async () => {
  if (document.visibilityState !== "visible") return;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const roots = [document];
  for (const el of document.querySelectorAll("*")) if (el.shadowRoot) roots.push(el.shadowRoot);
  const running = new Set(roots.flatMap((root) => root.getAnimations()));
  const finite = [...running].filter(
    (a) => a.playState === "running" && a.effect?.getComputedTiming().endTime !== Infinity
  );
  await Promise.all(finite.map((a) => a.finished.catch(() => undefined)));
}"""


async def settled(page: Page) -> None:
    """Returns once the page's animations and transitions have ended (the screenshot shows where
    they end, as a person would see it). Bounded: a page whose frames stopped (a paused clock)
    is shot as it is rather than never."""
    try:
        async with asyncio.timeout(5):
            await page.evaluate(_SETTLED)
    except TimeoutError:
        pass
