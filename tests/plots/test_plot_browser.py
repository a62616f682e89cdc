"""The plots in a real headless Chromium: on the page in both languages, a point's tooltip names a real model,
its link lands on the model's row. Needs chromium, chromium-driver and selenium (tools/setup-browser.sh)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY_ZOO = ROOT / "tests" / "export" / "zoo"
TINY_RESULTS = ROOT / "tests" / "export" / "zoo_results"
pytestmark = pytest.mark.slow
webdriver = pytest.importorskip("selenium.webdriver")
if not shutil.which("chromedriver") or not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
    pytest.skip("chromium and chromedriver are needed (bash tools/setup-browser.sh)", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots-site") / "html"
    result = subprocess.run([sys.executable, "-m", "zoogen.cli", "build", "--zoo", str(TINY_ZOO), "--lang", "all",
                             "--results", str(TINY_RESULTS), "--out", str(out), "--strict"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1600"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=webdriver.ChromeService(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()


@pytest.mark.parametrize(("language", "axis_label"), [("en", "Inference speed (fps)"), ("zh_CN", "推理速度 (fps)")])
def test_plot_is_on_the_overview_with_model_tooltips(site: Path, browser, tiny_zoo, language: str, axis_label: str):
    browser.get((site / language / "index.html").as_uri())
    figure = browser.find_element(By.CSS_SELECTOR, "figure.zoo-plot")
    svg = figure.find_element(By.CSS_SELECTOR, "svg")
    assert svg.size["width"] > 300 and svg.size["height"] > 150  # drawn, not collapsed
    texts = " ".join(t.get_attribute("textContent") for t in svg.find_elements(By.CSS_SELECTOR, "text"))
    assert axis_label in texts
    caption = figure.find_element(By.TAG_NAME, "figcaption").text
    assert "V100" in caption and ("FP32" in caption)
    points = svg.find_elements(By.CSS_SELECTOR, "a.zoo-plot-point")
    assert len(points) == 4
    names = {model.name for model in tiny_zoo.models}
    tooltip = points[0].find_element(By.TAG_NAME, "title").get_attribute("textContent")
    assert tooltip.splitlines()[0] in names
    # hovering the point's mark is possible (it is visible and inside the figure)
    mark = points[0].find_element(By.CSS_SELECTOR, "use, path")
    assert mark.is_displayed()
    webdriver.ActionChains(browser).move_to_element(mark).perform()
    assert browser.execute_script("return getComputedStyle(arguments[0]).strokeWidth", mark) == "2.5px"
    # keyboard: a point takes the focus and is outlined the same way
    browser.execute_script("arguments[0].focus()", points[1])
    assert browser.execute_script("return document.activeElement") == points[1]
    mark = points[1].find_element(By.CSS_SELECTOR, "use, path")
    assert browser.execute_script("return getComputedStyle(arguments[0]).strokeWidth", mark) == "2.5px"
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_search_word_highlighting_runs_over_the_plot(site: Path, browser, tiny_zoo):
    """Sphinx's highlighting of search words walks the SVG too; a model name in a tooltip must not break it."""
    model = tiny_zoo.models[0].name
    browser.get((site / "en" / "index.html").as_uri() + f"?highlight={model}")
    browser.find_element(By.CSS_SELECTOR, "figure.zoo-plot")
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_point_link_lands_on_the_models_row(site: Path, browser):
    browser.get((site / "zh_CN" / "index.html").as_uri())
    link = browser.find_element(By.CSS_SELECTOR, "a.zoo-plot-point")
    model = link.find_element(By.TAG_NAME, "title").get_attribute("textContent").splitlines()[0]
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", link)
    assert "/zh_CN/methods/" in browser.current_url and "#model-" in browser.current_url
    anchor = browser.find_element(By.ID, browser.current_url.split("#", 1)[1])
    row = anchor.find_element(By.XPATH, "ancestor::tr")
    assert model in row.text
    assert browser.find_element(By.CSS_SELECTOR, "figure.zoo-plot")  # the method page has its own plot
