"""In a real headless Chromium: the IT systems page draws the heat map without any script, and rating a feared
event moves it onto the map."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assessing_an_event_puts_it_on_the_heat_map(
    browser: Any, live_server: Any, transactional_db: None, make_staff: Callable[..., Any]
) -> None:
    make_staff("dpo", ["controller"])
    context = browser.new_context(locale="en-GB", java_script_enabled=False)  # the map needs no script
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("dpo")
        page.get_by_label("Password").fill("a-long-test-password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/**")
        page.goto(f"{live_server.url}/systems/")
        assert page.locator("svg.heat-map").is_visible()
        assert page.locator("svg.heat-map g.cell").count() == 16
        page.locator("#system-persondata").get_by_role("link", name="persondata").click()
        page.locator("#id_event").select_option("access")
        page.locator("#id_severity").select_option("3")
        page.locator("#id_likelihood").select_option("3")
        page.locator("#id_residual_severity").select_option("3")
        page.locator("#id_residual_likelihood").select_option("1")
        page.get_by_role("button", name="Save the assessment").click()
        page.wait_for_url(f"{live_server.url}/systems/persondata/")
        assert page.get_by_role("cell", name="Illegitimate access to the data").is_visible()
        page.goto(f"{live_server.url}/systems/")
        cell = page.locator(
            "svg.heat-map g.cell", has=page.locator("title", has_text="Severity 3, likelihood 1: 1")
        )
        assert cell.count() == 1 and cell.locator("text").text_content() == "1"
    finally:
        context.close()
