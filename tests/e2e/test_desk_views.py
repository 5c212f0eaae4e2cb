"""Filters and saved views in real Chromium: an inbox's list filtered from the filter bar (the
filters in the URL, the bar on one row at 1360 px, "Save as view" only once the filters differ
from the folder's), saved as a view, the view's count in the sidebar going up when a ticket
arrives, the view opened again after a reload, renamed from the keyboard and deleted; a view saved
elsewhere opened by its address, and a deleted one saying so; an admin's changes to a shared view
reaching an agent's open desk live; views reordered from their menu with the keyboard, a refused
move, a rename typed while the view is renamed and then deleted elsewhere (docs/desk.md, "Filters
and views"; screenshot docs/images/desk-views.png)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Locator, Page, expect

from tests.e2e.desk import DESK_TESTS, PageApi, assert_accessible, open_desk, shoot
from tests.e2e.test_desk_dark import expect_dark

pytestmark = DESK_TESTS

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

TICKETS = [
    ("Refund not received after 14 days", "urgent", "email", "Rosalind Franklin"),
    ("Checkout page shows an error", "urgent", "chat", "Alan Turing"),
    ("Parcel stuck in customs", "high", "email", "Linus Pauling"),
    ("Feature request: weekly totals", "low", "email", "Emmy Noether"),
    ("Where is my invoice?", "normal", "chat", "Grace Hopper"),
]


async def new_ticket(
    api: PageApi, inbox: dict[str, Any], subject: str, priority: str, kind: str, name: str
) -> Any:
    email = name.split()[0].lower() + "@example.org"
    body = {
        "inbox_id": inbox["id"],
        "customer": {"email": email, "name": name},
        "subject": subject,
        "priority": priority,
        "type": kind,
    }
    return await api("POST", "/api/v1/tickets", body, status=201)


async def expect_one_row(bar: Locator) -> None:
    """Every control of the filter bar on one row: "Clear filters" beside the others."""
    middles = await bar.locator(":scope > *").evaluate_all(
        "(all) => all.map((each) => { const box = each.getBoundingClientRect();"
        " return Math.round(box.top + box.height / 2); })"
    )
    assert len(middles) == 8, middles
    assert len(set(middles)) == 1, middles


def nav_view(page: Page, name: str) -> Any:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(name))


async def test_filter_save_a_view_and_see_it_count(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    for subject, priority, kind, name in TICKETS:
        await new_ticket(api, inbox, subject, priority, kind, name)
    await page.goto(f"{live}/inboxes/{inbox['id']}/open")
    rows = page.locator("a.ticket-row")
    await expect(rows).to_have_count(len(TICKETS))
    # The folder is in the sidebar already: nothing to save until a filter changes.
    save_as = page.get_by_role("button", name="Save as view")
    await expect(page.get_by_role("group", name="Filters")).to_be_visible()
    await expect(save_as).to_have_count(0)

    # Priority: a list of checkboxes under a button, from the keyboard.
    bar = page.get_by_role("group", name="Filters")
    pick = bar.locator("summary", has_text="Priority")
    await pick.focus()
    await page.keyboard.press("Enter")
    await bar.get_by_role("group", name="Priority").get_by_label("Urgent").check()
    await expect(page).to_have_url(re.compile(r"/tickets\?.*priority=urgent"))
    await bar.get_by_role("group", name="Priority").get_by_label("High").check()
    await page.keyboard.press("Escape")
    await expect(rows).to_have_count(3)
    await bar.get_by_label("Assignee").select_option(label="Unassigned")
    await expect(page).to_have_url(re.compile(r"unassigned=true"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Filtered tickets")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Filtered tickets")
    await save_as.click()
    dialog = page.get_by_role("dialog", name="Save these filters as a view")
    await expect(dialog.get_by_label("Name")).to_be_focused()
    await dialog.get_by_label("Name").fill("Urgent and high")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/views/\d+$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Urgent and high")
    await expect(nav_view(page, "Urgent and high")).to_contain_text("3")

    # A ticket arrives: the view's count follows, as the folders' do.
    await new_ticket(api, inbox, "Payment failed twice", "urgent", "email", "Katherine Johnson")
    await new_ticket(api, inbox, "Question about shipping", "low", "email", "Mary Jackson")
    await expect(nav_view(page, "Urgent and high")).to_contain_text("4")
    await expect(rows).to_have_count(4)
    await expect(page.get_by_text("4 tickets")).to_be_visible()

    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Urgent and high")
    await expect(rows).to_have_count(4)
    await expect(bar.locator("summary", has_text="Priority")).to_contain_text("Urgent, High")
    await expect(bar.get_by_label("Assignee")).to_have_value("none")
    await assert_accessible(page, "a saved view")
    await expect_one_row(bar)
    await shoot(page, screenshots, "views")
    shutil.copyfile(screenshots / "desk-views.png", DOCS_IMAGES / "desk-views.png")
    await page.emulate_media(color_scheme="dark")
    await pick.click()
    await shoot(page, screenshots, "views-dark")
    await expect_dark(page, "saved view")
    await page.keyboard.press("Escape")
    await page.emulate_media(color_scheme="light")

    # Rename from the keyboard; the sidebar follows.
    await page.get_by_role("button", name="Rename").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("New name of the view")).to_be_focused()
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.type("Hot tickets")
    await page.keyboard.press("Enter")
    await expect(nav_view(page, "Hot tickets")).to_contain_text("4")
    await expect(page.get_by_role("button", name="Rename")).to_be_focused()

    deleted = page.url
    await page.get_by_role("button", name="Delete", exact=True).click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    await expect(page).to_have_url(re.compile(rf"/inboxes/{inbox['id']}/open$"))
    await expect(nav_view(page, "Hot tickets")).to_have_count(0)

    # A view saved elsewhere since the desk loaded (another tab, the API) opens from its
    # address; one deleted meanwhile says so instead of a blank page.
    later = await api(
        "POST", "/api/v1/views", {"name": "Saved elsewhere", "filters": {}}, status=201
    )
    await page.evaluate("(path) => history.pushState({}, '', path)", f"/views/{later['id']}")
    await page.evaluate("() => dispatchEvent(new PopStateEvent('popstate'))")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Saved elsewhere")
    await expect(nav_view(page, "Saved elsewhere")).to_have_count(1)
    await page.goto(deleted)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Deleted view")
    await expect(page.get_by_role("status").filter(has_text="no longer exists")).to_be_visible()

    # Filters cleared: every ticket, and the title says so rather than "Filtered tickets".
    await page.goto(f"{live}/tickets?priority=urgent")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Filtered tickets")
    await (
        page.get_by_role("group", name="Filters")
        .get_by_role("button", name="Clear filters")
        .click()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("All tickets")
    every = await api("GET", "/api/v1/tickets")
    await expect(rows).to_have_count(len(every["items"]))

    # Sorted by number, lowest first: the order is in the address, and clearing a filter
    # keeps it.
    numbers = sorted(ticket["number"] for ticket in every["items"])
    await page.get_by_label("Sort").select_option(label="Number, lowest first")
    await expect(page).to_have_url(re.compile(r"/tickets\?sort=number$"))
    await expect(rows.locator(".meta > span", has_text="#")).to_have_text(
        [f"#{number}" for number in numbers]
    )
    await bar.get_by_label("Type").select_option(label="Chat")
    await expect(page).to_have_url(re.compile(r"type=chat"))
    await bar.get_by_role("button", name="Clear filters").click()
    await expect(page).to_have_url(re.compile(r"/tickets\?sort=number$"))
    await expect(page.get_by_label("Sort")).to_have_value("number")
    await expect(rows.first).to_contain_text(f"#{numbers[0]}")
    await page.context.close()


def nav_names(page: Page) -> Any:
    return page.get_by_role("navigation", name="Main").locator(".nav-view-name")


async def test_a_shared_view_changed_by_an_admin_follows_on_an_open_desk(
    desk: Any, live: str, browser: Browser
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    olive = await desk.login(await desk.user(role="admin", name="Olive Owner"))
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    for subject, priority, kind, name in TICKETS:
        await new_ticket(api, inbox, subject, priority, kind, name)

    # Shared by an admin: it appears in Ada's sidebar, counted, without a reload.
    created = await olive.client.post(
        "/api/v1/views",
        json={"name": "Urgent", "shared": True, "filters": {"priority": ["urgent"]}},
    )
    assert created.status_code == 201, created.text
    path = f"/api/v1/views/{created.json()['id']}"
    await expect(nav_view(page, "Urgent")).to_contain_text("2")
    await nav_view(page, "Urgent").click()
    rows = page.locator("a.ticket-row")
    await expect(rows).to_have_count(2)
    # Shared: only owners and admins move it, so Ada has no menu on it.
    await expect(page.get_by_role("button", name=re.compile("Options of the view"))).to_have_count(
        0
    )

    # Renamed and re-filtered: the open list takes the new title, filters and tickets.
    changed = await olive.client.patch(
        path, json={"name": "Urgent or low", "filters": {"priority": ["urgent", "low"]}}
    )
    assert changed.status_code == 200, changed.text
    await expect(page.get_by_role("heading", level=1)).to_have_text("Urgent or low")
    await expect(rows).to_have_count(3)
    bar = page.get_by_role("group", name="Filters")
    await expect(bar.locator("summary", has_text="Priority")).to_contain_text("Urgent, Low")
    await expect(nav_view(page, "Urgent or low")).to_contain_text("3")

    # Deleted: it leaves the sidebar, and the open list says who deleted it.
    assert (await olive.client.delete(path)).status_code == 204
    await expect(page.get_by_role("heading", level=1)).to_have_text("Deleted view")
    await expect(
        page.get_by_role("status").filter(has_text="Olive Owner deleted it")
    ).to_be_visible()
    await expect(nav_view(page, "Urgent or low")).to_have_count(0)

    # Ada's own view saved in another tab (the API with her session) appears here too.
    await api("POST", "/api/v1/views", {"name": "Mine open", "filters": {"mine": True}}, 201)
    await expect(nav_view(page, "Mine open")).to_have_count(1)
    await page.context.close()


async def test_views_move_up_and_down_from_their_menu_with_the_keyboard(
    desk: Any, live: str, browser: Browser, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    ada = await desk.user(name="Ada Lovelace")
    await desk.add_member(inbox, ada)
    olive = await desk.login(await desk.user(role="admin", name="Olive Owner"))
    shared = await olive.client.post("/api/v1/views", json={"name": "Team", "shared": True})
    assert shared.status_code == 201, shared.text
    page = await open_desk(browser, live, ada)
    api = PageApi(page, live)
    for name in ("First", "Second", "Third"):
        await api("POST", "/api/v1/views", {"name": name}, 201)
    await page.reload()
    names = nav_names(page)
    await expect(names).to_have_text(["Team", "First", "Second", "Third"])
    # Only the views Ada may write have a menu: her own, not the shared one.
    menus = page.get_by_role("button", name=re.compile("Options of the view"))
    await expect(menus).to_have_count(3)

    third = page.get_by_role("button", name="Options of the view “Third”")
    await third.focus()
    await page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="Options of the view “Third”")
    await expect(menu.get_by_role("menuitem", name="Move up")).to_be_focused()
    await expect(menu.get_by_role("menuitem", name="Move down")).to_be_disabled()
    await shoot(page, screenshots, "views-menu")
    await page.keyboard.press("Enter")
    await expect(names).to_have_text(["Team", "First", "Third", "Second"])
    await expect(third).to_be_focused()

    # ↓ on the button opens the menu too; at the top of her own views, "Move up" is disabled
    # (the shared views come first, and move only among themselves).
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    await expect(names).to_have_text(["Team", "Third", "First", "Second"])
    await page.keyboard.press("ArrowDown")
    await expect(menu.get_by_role("menuitem", name="Move up")).to_be_disabled()
    await expect(menu.get_by_role("menuitem", name="Move down")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(menu).to_have_count(0)
    await expect(third).to_be_focused()

    # While the menu's button takes its place, the count stays in the link's name.
    third_link = nav_view(page, "Third")
    await expect(third_link).to_have_accessible_name(re.compile(r"^Third\s*0 tickets$"))

    # A move refused (the server out of reach): the error beside the button, not in the menu,
    # and the focus back on the button, where Esc and the arrows still work.
    await page.route(
        "**/api/v1/views/*/move",
        lambda route: route.fulfill(
            status=503, json={"error": {"code": "unavailable", "message": "Try again soon."}}
        ),
    )
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    alert = page.get_by_role("alert").filter(has_text="Try again soon.")
    await expect(alert).to_be_visible()
    await expect(menu).to_have_count(0)
    await expect(third).to_be_focused()
    await shoot(page, screenshots, "views-move-refused")
    await page.keyboard.press("Escape")
    await expect(alert).to_have_count(0)
    await expect(names).to_have_text(["Team", "Third", "First", "Second"])
    await page.unroute("**/api/v1/views/*/move")

    await page.reload()
    await expect(names).to_have_text(["Team", "Third", "First", "Second"])

    # Opening one view, then another: each list asked for once.
    listed: list[str] = []
    page.on(
        "request",
        lambda request: listed.append(request.url) if "view_id=" in request.url else None,
    )
    await nav_view(page, "First").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("First")
    await nav_view(page, "Second").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Second")
    await expect(page.locator(".empty")).to_be_visible()
    assert len(listed) == 2, listed

    # A rename being typed follows a rename made elsewhere while the field is untouched; the
    # view deleted meanwhile, the focus goes to the heading that says so.
    await page.get_by_role("button", name="Rename").click()
    field = page.get_by_role("textbox", name=re.compile("name", re.I))
    await expect(field).to_have_value("Second")
    second = next(view for view in await api("GET", "/api/v1/views") if view["name"] == "Second")
    await api("PATCH", f"/api/v1/views/{second['id']}", {"name": "Segundo"})
    await expect(field).to_have_value("Segundo")
    await field.focus()
    await api("DELETE", f"/api/v1/views/{second['id']}", status=204)
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Deleted view")
    await expect(heading).to_be_focused()
    await page.context.close()
