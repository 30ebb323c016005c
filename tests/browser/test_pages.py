"""The web pages in a real browser (Debian's Chromium, driven by Playwright) on a live server.

Screenshots of every page land in ``artifacts/screenshots/`` for people to look at.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import start_server, stop
from wissensgraph.config import PROJECT_ROOT, Settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def site(built_settings: Settings) -> Iterator[str]:
    process, url = start_server({"WISSENSGRAPH_HOME": str(built_settings.home)})
    try:
        httpx.get(url + "/suche", params={"q": "Quartier"}, timeout=120)  # index ready
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(locale="de-DE", accept_downloads=True)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_search_filter_and_open_a_case_study(site: str, page: object) -> None:
    page.goto(site + "/suche")  # type: ignore[attr-defined]
    page.fill("#q", "Künstler beleben ein leerstehendes Gebäude in der Innenstadt")  # type: ignore[attr-defined]
    page.click("form.search button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("ol.hits li")  # type: ignore[attr-defined]
    assert "q=K%C3%BCnstler" in page.url  # type: ignore[attr-defined]  # shareable URL
    assert page.locator("ol.hits li mark").count() > 0  # type: ignore[attr-defined]
    _shot(page, "suche")
    page.check("input[name=handlungsfeld][value=zentrenentwicklung]")  # type: ignore[attr-defined]
    page.click("form.facets button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("ol.hits li")  # type: ignore[attr-defined]
    assert "handlungsfeld=zentrenentwicklung" in page.url  # type: ignore[attr-defined]
    count = page.locator("section p").filter(has_text="Fallstudien").first.inner_text()  # type: ignore[attr-defined]
    assert re.match(r"\d+ Fallstudien", count)
    _shot(page, "suche-gefiltert")
    page.click("ol.hits li a >> nth=0")  # type: ignore[attr-defined]
    page.wait_for_selector("article h1")  # type: ignore[attr-defined]
    assert "/id/fallstudie/" in page.url  # type: ignore[attr-defined]
    assert page.locator("li.curated").count() > 0  # type: ignore[attr-defined]
    assert page.locator("text=Ähnliche Fallstudien").count() == 1  # type: ignore[attr-defined]
    _shot(page, "fallstudie")


def test_switch_language(site: str, page: object) -> None:
    page.goto(site + "/id/fallstudie/kalkbreite-zuerich")  # type: ignore[attr-defined]
    assert page.locator("html").get_attribute("lang") == "de"  # type: ignore[attr-defined]
    page.click("#lang-switch")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.locator("html").get_attribute("lang") == "en"  # type: ignore[attr-defined]
    assert page.locator("h2", has_text="Actors").count() == 1  # type: ignore[attr-defined]
    _shot(page, "fallstudie-en")


def test_concept_page_lists_case_studies_and_heat_map(site: str, page: object) -> None:
    page.goto(site + "/id/handlungsfeld/konversion")  # type: ignore[attr-defined]
    assert page.locator("article li").count() >= 5  # type: ignore[attr-defined]
    assert page.locator("img[src*='abdeckung']").count() == 1  # type: ignore[attr-defined]
    _shot(page, "handlungsfeld")


def test_sparql_example_and_csv_download(site: str, page: object) -> None:
    page.goto(site + "/sparql")  # type: ignore[attr-defined]
    page.click("text=CQ7")  # type: ignore[attr-defined]
    page.wait_for_selector("table tbody tr")  # type: ignore[attr-defined]
    assert page.locator("table tbody tr").count() >= 5  # type: ignore[attr-defined]
    _shot(page, "sparql")
    with page.expect_download() as download_info:  # type: ignore[attr-defined]
        page.click("#csv-download")  # type: ignore[attr-defined]
    path = Path(download_info.value.path())
    assert path.read_text(encoding="utf-8").splitlines()[0] == "priorityLabel,caseStudy,title,city"


def test_pages_are_light_and_need_no_javascript(site: str) -> None:
    for path in (
        "/",
        "/suche?q=Genossenschaft",
        "/id/fallstudie/alte-samtweberei-krefeld",
        "/id/nlc/gemeinwohlorientierung",
        "/sparql",
        "/abdeckung",
        "/ontology",
    ):
        response = httpx.get(site + path, headers={"Accept": "text/html"}, timeout=60)
        assert response.status_code == 200, path
        assert len(response.content) < 300_000, path
        assert "<script" not in response.text, path
        assert "<main>" in response.text and 'lang="' in response.text


def test_text_in_pages_is_escaped(site: str) -> None:
    response = httpx.get(site + "/suche", params={"q": "<script>alert(1)</script>"}, timeout=60)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text
