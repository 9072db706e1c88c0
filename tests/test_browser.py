"""The explorer and an HTML plot in real Chromium (Debian's ``chromium`` and
``chromium-driver``; ``.ci/install-browser.sh`` installs them). Skipped when absent.

Set ``W2V_UPDATE_SCREENSHOTS=1`` to also save the README images in ``docs/images/``.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from w2v.cli import main  # noqa: E402
from w2v.demo import demo_corpus_path  # noqa: E402
from w2v.explorer import create_app, load_store  # noqa: E402
from w2v.formats import load_keyed_vectors  # noqa: E402
from w2v.model import Word2Vec  # noqa: E402
from w2v.plot import select_words  # noqa: E402

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER_PATHS = ("/usr/bin/chromedriver",)
# Offline, quiet, reproducible: no sandbox (CI containers run as root), no GPU, no
# background requests to Google services.
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000")
WAIT_S = 30               # generous: CI machines are shared and t-SNE runs in the request
SERVER_START_S = 20
DEMO_DIM = 32             # a small demo model (~3 s to train) with real neighbours
DEMO_EPOCHS = 1
UPDATE_SCREENSHOTS = os.environ.get("W2V_UPDATE_SCREENSHOTS") == "1"
DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def _first_existing(paths):
    return next((p for p in paths if os.path.exists(p)), None) or shutil.which(
        os.path.basename(paths[0]))


CHROMIUM = _first_existing(CHROMIUM_PATHS)
CHROMEDRIVER = _first_existing(CHROMEDRIVER_PATHS)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="chromium and chromium-driver are not installed (run .ci/install-browser.sh)")


@pytest.fixture(scope="module")
def demo_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.w2v"
    Word2Vec(dim=DEMO_DIM, epochs=DEMO_EPOCHS, seed=1).fit(demo_corpus_path()).save(path)
    return path


@pytest.fixture(scope="module")
def server_url(demo_model):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(load_store(demo_model))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the explorer server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=SERVER_START_S)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _wait(driver, condition, message):
    return WebDriverWait(driver, WAIT_S).until(lambda d: condition(d), message=message)


def _screenshot_pixels(png: bytes) -> np.ndarray:
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3]


def _assert_not_blank(png: bytes) -> None:
    pixels = _screenshot_pixels(png)
    distinct = len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    assert distinct > 50, f"screenshot has only {distinct} colours"
    assert pixels.std() > 0.05


def _projection_state(driver):
    return driver.find_element(By.ID, "projection").get_attribute("data-state")


def test_explorer_search_analogy_projection_screenshot(browser, server_url):
    driver = browser
    driver.get(server_url + "/")
    _wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"),
          "the page did not load its model info")
    assert "demo.w2v" in driver.find_element(By.ID, "model-name").text

    # autocomplete
    search = driver.find_element(By.ID, "search")
    search.send_keys("fran")
    _wait(driver, lambda d: "france" in [o.get_attribute("value") for o in
                                         d.find_elements(By.CSS_SELECTOR, "#completions option")],
          "no autocomplete suggestion 'france' for 'fran'")

    # search: neighbours with cosine scores, and the neighbourhood projection
    search.clear()
    search.send_keys("france")
    driver.find_element(By.ID, "search-button").click()
    rows = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#neighbours tbody tr"),
                 "no neighbours shown")
    assert len(rows) == 10
    cells = rows[0].find_elements(By.TAG_NAME, "td")
    assert cells[1].text != "france" and -1.0 <= float(cells[2].text) <= 1.0
    _wait(driver, lambda d: _projection_state(d) == "ready", "projection not drawn")
    plot = driver.find_element(By.ID, "projection")
    assert plot.get_attribute("data-points") == "50"
    assert len(driver.find_elements(By.CSS_SELECTOR, "#projection .scatterlayer .point")) == 50

    # analogy form
    for field, word in (("analogy-a", "france"), ("analogy-b", "paris"),
                        ("analogy-c", "germany")):
        driver.find_element(By.ID, field).send_keys(word)
    driver.find_element(By.ID, "analogy-button").click()
    answers = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#analogy-answers li"),
                    "no analogy answers")
    assert len(answers) == 5 and all(a.text.split()[0] not in ("france", "paris", "germany")
                                     for a in answers)

    # switch the projection: t-SNE, then PCA in 3-D (t-SNE in 3-D is slow on 2 cores)
    Select(driver.find_element(By.ID, "method")).select_by_value("tsne")
    _wait(driver, lambda d: _projection_state(d) == "ready"
          and d.find_element(By.ID, "projection").get_attribute("data-method") == "tsne",
          "t-SNE projection not drawn")
    Select(driver.find_element(By.ID, "method")).select_by_value("pca")
    _wait(driver, lambda d: _projection_state(d) == "ready"
          and d.find_element(By.ID, "projection").get_attribute("data-method") == "pca",
          "back to PCA")
    Select(driver.find_element(By.ID, "dims")).select_by_value("3")
    _wait(driver, lambda d: _projection_state(d) == "ready"
          and d.find_element(By.ID, "projection").get_attribute("data-dims") == "3",
          "3-D projection not drawn")
    assert driver.find_elements(By.CSS_SELECTOR, "#projection .gl-container canvas, "
                                                 "#projection canvas")
    Select(driver.find_element(By.ID, "dims")).select_by_value("2")
    _wait(driver, lambda d: _projection_state(d) == "ready"
          and d.find_element(By.ID, "projection").get_attribute("data-dims") == "2",
          "2-D projection not drawn again")

    # clicking a word searches it
    link = driver.find_elements(By.CSS_SELECTOR, "#neighbours tbody a")[1]
    clicked = link.text
    link.click()
    _wait(driver, lambda d: clicked in d.find_element(By.ID, "search-message").text,
          "clicking a neighbour did not search it")

    # the evaluation table
    driver.find_element(By.ID, "evaluation-button").click()
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#evaluation tbody tr"),
          "no evaluation rows")

    # an unknown word is reported, not crashed on
    search = driver.find_element(By.ID, "search")
    search.clear()
    search.send_keys("qqqzzzxx")
    driver.find_element(By.ID, "search-button").click()
    _wait(driver, lambda d: "not in the vocabulary" in d.find_element(
        By.ID, "search-message").text, "no error message for an unknown word")

    search.clear()
    search.send_keys("france")
    driver.find_element(By.ID, "search-button").click()
    _wait(driver, lambda d: _projection_state(d) == "ready"
          and "france" in d.find_element(By.ID, "search-message").text, "search again")
    png = driver.get_screenshot_as_png()
    _assert_not_blank(png)
    if UPDATE_SCREENSHOTS:
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        (DOCS_IMAGES / "explorer.png").write_bytes(png)


def test_plot_html_draws_its_points_offline(browser, demo_model, tmp_path):
    html = tmp_path / "plot.html"
    assert main(["plot", str(demo_model), "--neighbours-of", "france", "--topn", "20",
                 "--analogy", "france:paris::germany", "-o", str(html)]) == 0
    driver = browser
    driver.set_network_conditions(offline=True, latency=0, throughput=0)
    try:
        driver.get(html.as_uri())
        points = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR,
                                                          "#w2v-plot .scatterlayer .point"),
                       "the HTML plot drew no points")
        labels = [t.text for t in driver.find_elements(By.CSS_SELECTOR,
                                                       "#w2v-plot .scatterlayer text")]
        assert driver.execute_script("return typeof Plotly") == "object"
    finally:
        driver.delete_network_conditions()
    words, _, _ = select_words(load_keyed_vectors(demo_model), neighbours_of="france",
                               topn=20, analogies=["france:paris::germany"])
    assert len(points) == len(words)
    assert set(labels) == set(words)
    _assert_not_blank(driver.get_screenshot_as_png())
