"""Moving around the page as a reader does: the browser's Back button, the keyboard in the graph, links
shared between tabs, the header's links and the way back from the article to the network."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

DETAIL = "[data-role=detail]"
OPEN_VIEW = "() => { const d = document.querySelector('[data-role=detail]'); return d.open && !!d.dataset.view; }"
CLOSED = "() => !document.querySelector('[data-role=detail]').open"


def _drawn(page, sample: str) -> None:
    page.wait_for_function("(s) => (document.querySelector('[data-role=overview]').dataset.drawn || '')"
                           ".startsWith(s + '|')", arg=sample, timeout=15_000)


def test_back_closes_a_detail_view_and_stays_on_the_site(open_page):
    page = open_page().page
    start = page.evaluate("history.length")
    page.click('[data-sample="pizza"]')
    _drawn(page, "pizza")
    page.select_option("[data-role=scale]", "module")
    assert page.evaluate("history.length") == start  # a sample or a colour range replaces the entry
    page.click('[data-layer="conv_1_2"][data-neuron="4"]')
    page.wait_for_function(OPEN_VIEW, timeout=10_000)
    assert page.evaluate("history.length") == start + 1  # opening the view pushes exactly one
    page.go_back()
    page.wait_for_function(CLOSED, timeout=5_000)
    assert page.url.split("#")[0].endswith("index.html") or page.url.split("#")[0].endswith("/")
    hash_ = page.evaluate("location.hash")
    assert "sample=pizza" in hash_ and "scale=module" in hash_ and "layer=" not in hash_
    assert page.locator('[data-sample="pizza"]').get_attribute("aria-pressed") == "true"
    page.go_forward()  # and Forward opens it again
    page.wait_for_function(OPEN_VIEW, timeout=10_000)
    assert "layer=conv_1_2&neuron=4" in page.evaluate("location.hash")


@pytest.mark.parametrize("origin", ["http"])
@pytest.mark.parametrize("how", ["Escape", "close button"])
def test_closing_a_view_inside_it_leaves_no_entry_that_would_reopen_it(open_page, how):
    page = open_page().page
    page.click('[data-layer="relu_2_1"][data-neuron="1"]')
    page.wait_for_function(OPEN_VIEW, timeout=10_000)
    if how == "Escape":
        page.keyboard.press("Escape")
    else:
        page.click("[data-role=detail-close]")
    page.wait_for_function(CLOSED, timeout=5_000)
    page.wait_for_function("() => !location.hash.includes('layer=')")
    page.go_back()  # one Back now leaves the site, as it did before the view was opened
    page.wait_for_url(lambda url: "cnn-explainer" not in url, timeout=5_000)


@pytest.mark.parametrize("origin", ["http"])
def test_the_info_button_of_a_view_opened_by_a_click_lands_on_its_section(open_page):
    page = open_page().page
    page.click('[data-layer="max_pool_2"][data-neuron="0"]')
    page.wait_for_function(OPEN_VIEW, timeout=10_000)
    page.click("[data-role=detail-info]")
    page.wait_for_function(CLOSED, timeout=5_000)
    page.wait_for_function("() => Math.abs(document.getElementById('article-pooling').getBoundingClientRect().top) < 5")
    page.wait_for_timeout(300)  # the history step is over: nothing scrolls the page back up
    assert abs(page.evaluate("document.getElementById('article-pooling').getBoundingClientRect().top")) < 5


# ---- The keyboard in the graph ----

FOCUSED = "() => { const el = document.activeElement; return el && el.dataset.neuron !== undefined ? " \
          "el.dataset.layer + '/' + el.dataset.neuron : null; }"


@pytest.mark.parametrize("origin", ["http"])
def test_the_graph_is_one_tab_stop(open_page):
    page = open_page().page
    assert page.locator("[data-role=overview] [data-neuron]").count() > 100
    page.focus("[data-role=scale]")  # the last control before the graph
    neurons, inside = 0, 0
    for _ in range(60):  # Tab through the graph (its layer labels are links to the article) until past it
        page.keyboard.press("Tab")
        where = page.evaluate("() => document.activeElement.closest('[data-role=overview]') ? "
                              "(document.activeElement.dataset.neuron !== undefined ? 'neuron' : 'other') : 'out'")
        if where == "out":
            break
        inside += 1
        neurons += where == "neuron"
    assert inside > 0, "Tab after the controls does not reach the graph"
    assert neurons == 1, f"{neurons} Tab stops among the neurons"


@pytest.mark.parametrize("origin", ["http"])
def test_the_arrow_keys_reach_every_neuron_and_enter_opens_it(open_page):
    page = open_page().page
    columns = page.evaluate("""() => {
      const out = [];
      for (const el of document.querySelectorAll("[data-role=overview] [data-neuron]")) {
        if (!out.length || out[out.length - 1].layer !== el.dataset.layer) out.push({ layer: el.dataset.layer, n: 0 });
        out[out.length - 1].n += 1;
      }
      return out;
    }""")
    page.focus("[data-layer=input][data-neuron='0']")
    reached = set()
    for c, column in enumerate(columns):
        page.keyboard.press("Home")
        assert page.evaluate(FOCUSED) == f"{column['layer']}/0"
        reached.add(page.evaluate(FOCUSED))
        for _ in range(column["n"] - 1):
            page.keyboard.press("ArrowDown")
            reached.add(page.evaluate(FOCUSED))
        page.keyboard.press("ArrowDown")  # the column's end: stays
        assert page.evaluate(FOCUSED) == f"{column['layer']}/{column['n'] - 1}"
        if c + 1 < len(columns):
            page.keyboard.press("ArrowRight")
            assert page.evaluate(FOCUSED).startswith(columns[c + 1]["layer"] + "/")
    assert len(reached) == sum(c["n"] for c in columns)
    assert page.evaluate("scrollY") == 0  # the arrows moved the focus, never the page
    # Left goes back a column, to the neuron nearest in height; End, Enter, Esc
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(FOCUSED).startswith(columns[-2]["layer"] + "/")
    page.keyboard.press("Home")
    page.keyboard.press("End")
    target = page.evaluate(FOCUSED)
    page.keyboard.press("Enter")
    page.wait_for_function(OPEN_VIEW, timeout=10_000)
    page.keyboard.press("Escape")
    page.wait_for_function(CLOSED, timeout=5_000)
    assert page.evaluate(FOCUSED) == target
    # the neuron the reader was on is the graph's one Tab stop
    assert page.evaluate("() => [...document.querySelectorAll('[data-neuron]')].filter((e) => e.tabIndex === 0)"
                         ".map((e) => e.dataset.layer + '/' + e.dataset.neuron)") == [target]


# ---- A link to an image that only another tab holds ----

@pytest.mark.parametrize(("path", "words"), [
    ("", ["another tab", "espresso"]), ("zh/index.html", ["另一个标签页", "浓缩咖啡"]),
], ids=["en", "zh"])
def test_a_link_to_another_tabs_own_image_says_where_it_is(open_page, path, words):
    page = open_page("#sample=own-3&scale=unit", path=path).page
    notice = page.locator("[data-role=notice]")
    assert notice.is_visible()
    text = notice.inner_text()
    assert all(word in text for word in words), text
    assert page.get_attribute("[data-role=overview]", "data-drawn") == "espresso|unit"  # the rest of the link holds
    page.click('[data-sample="koala"]')
    _drawn(page, "koala")
    assert not notice.is_visible()


@pytest.mark.parametrize("origin", ["http"])
def test_an_ordinary_link_shows_no_notice(open_page):
    page = open_page("#sample=koala").page
    assert not page.locator("[data-role=notice]").is_visible()


# ---- The header and the way back from the article ----

@pytest.mark.parametrize(("path", "label"), [("", "Paper"), ("zh/index.html", "论文")], ids=["en", "zh"])
def test_the_header_links_the_paper_and_no_repository_by_default(open_page, path, label):
    page = open_page(path=path).page
    links = page.evaluate("""() => [...document.querySelectorAll(".site-header a")]
        .filter((a) => a.dataset.role !== "language").map((a) => [a.textContent.trim(), a.href])""")
    assert links == [[label, "https://arxiv.org/abs/2004.15004"]]
    box = page.locator(".site-header a", has_text=label).bounding_box()
    assert box and box["x"] + box["width"] <= 1440 and box["y"] >= 0


def test_back_to_the_network_shows_the_gallery(open_page):
    page = open_page().page
    link = page.locator("[data-role=to-network]")
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_function("""() => {
      const r = document.querySelector(".gallery").getBoundingClientRect();
      return r.top >= 0 && r.bottom <= innerHeight;
    }""", timeout=5_000)
