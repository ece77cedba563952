"""End to end in a real browser: Debian's headless Chromium driven by Selenium through the
system chromedriver (no browser is downloaded).

Without Chromium these tests skip, saying why; with ``CI=true`` they fail instead, so CI
cannot pass without having run them. ``RELIABILITY_SCREENSHOTS=1`` saves the screenshots
of docs/img/.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("RELIABILITY_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("RELIABILITY_CHROMEDRIVER", "/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]
WM = ROOT / "datasets" / "ofsted_outcomes_2023-08-31_west_midlands.csv"


def _need(what: str):
    msg = (f"browser tests need {what} (apt-get install -y chromium chromium-driver; "
           "pip install '.[dev]')")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg + " -- CI=true, so this is a failure, not a skip")
    pytest.skip(msg)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        _need(f"{CHROMIUM} and {CHROMEDRIVER}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _need("selenium")
    profile = tmp_path_factory.mktemp("chromium-profile")
    downloads = tmp_path_factory.mktemp("downloads")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run", "--window-size=1280,1000",
              f"--user-data-dir={profile}"):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(120)
    driver.downloads = downloads
    yield driver
    driver.quit()


def _wait(driver, css, timeout=90):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def _shot(driver, name, height=None):
    if os.environ.get("RELIABILITY_SCREENSHOTS") != "1":
        return
    out = ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    if height:
        driver.set_window_size(1100, height)
    driver.save_screenshot(str(out / name))
    try:  # a small PNG for the repository: a 256-colour palette
        from PIL import Image

        # octree keeps the chart's nearby colours (Okabe-Ito orange and vermillion) apart
        Image.open(out / name).convert("RGB").quantize(
            256, method=Image.Quantize.FASTOCTREE).save(out / name, optimize=True)
    except ImportError:
        pass


def _library_numbers():
    """The shares the summary must quote, straight from the library."""
    from reliability import datasets, grade_context
    from reliability.inference import wilson_interval

    df = datasets.load_ofsted_outcomes_2023_west_midlands()
    df = df[df["ofsted_phase"] == "Primary"]
    g = df["overall_effectiveness"].astype(object).where(df["overall_effectiveness"].notna(),
                                                         None)
    res = grade_context(g.reset_index(drop=True), df["deprivation_rank"].reset_index(drop=True),
                        categories=["Outstanding", "Good", "Requires improvement", "Inadequate"])
    out = []
    for band in ("5", "1"):
        b = next(x for x in res.bands if x["band"] == band)
        k = b["counts"]["Requires improvement"] + b["counts"]["Inadequate"]
        lo, hi = wilson_interval(k, b["n"])
        out += [100 * k / b["n"], 100 * lo, 100 * hi]
    return out, res


def test_grades_vs_deprivation_end_to_end(browser, live_app, capsys):
    from selenium.webdriver.common.by import By

    d = browser
    t0 = time.perf_counter()
    d.get(live_app["url"] + "/")
    d.find_element(By.ID, "file").send_keys(str(WM))
    d.find_element(By.ID, "upload").click()
    layout = _wait(d, "#layout-name")
    assert layout.get_attribute("data-layout") == "ofsted_2005"
    assert "Bordesley Green East Nursery School" in d.find_element(By.ID, "preview").text
    d.find_element(By.CSS_SELECTOR, "input[name=question][value=context]").click()
    grade = d.find_element(By.ID, "grade")
    assert grade.get_attribute("value") == "overall_effectiveness"
    assert d.find_element(By.ID, "context").get_attribute("value") == "deprivation_rank"
    d.find_element(By.CSS_SELECTOR, "#only option[value=Primary]").click()
    _shot(d, "app-choose.png", height=1000)
    d.find_element(By.ID, "run").click()
    answer = _wait(d, "#answer .sentence")
    seconds = time.perf_counter() - t0

    # the sentence quotes the library's numbers
    sentence = answer.text
    expect, res = _library_numbers()
    quoted = [float(x) for x in re.findall(r"(\d+(?:\.\d)?)%(?! CI)", sentence)]
    assert quoted == [round(v) for v in expect], sentence
    assert "primary schools in the most deprived fifth" in sentence
    # a chart is drawn (a decoded image, with alt text) before the first table
    img = d.find_element(By.CSS_SELECTOR, "figure img")
    assert d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) > 300
    assert "Stacked bar chart" in img.get_attribute("alt")
    assert d.execute_script(
        "var f=document.querySelector('figure'), t=document.querySelector('table');"
        "return !!(f.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);")
    _shot(d, "app-report.png", height=1500)

    # every download opens
    links = d.find_elements(By.CSS_SELECTOR, "#appbar a.dl")
    names = [a.get_attribute("data-name") for a in links]
    assert {"report.html", "results.json", "grades-by-band.csv"} <= set(names)
    for a in links:
        status, ctype, head = d.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done([r.status,"
            " r.headers.get('content-type'), String.fromCharCode.apply(null,"
            " new Uint8Array(b.slice(0, 20)))]))).catch(e => done([0, String(e), '']));",
            a.get_attribute("href"))
        name = a.get_attribute("data-name")
        assert status == 200, (name, ctype)
        kind = {"html": "text/html", "json": "application/json", "csv": "text/csv",
                "pdf": "application/pdf"}[name.rsplit(".", 1)[1]]
        assert ctype.startswith(kind), (name, ctype)
        if name.endswith(".pdf"):
            assert head.startswith("%PDF"), head
        if name.endswith(".json"):
            assert head.lstrip().startswith("{")
    # and the HTML download lands on disk as a file the browser opens
    next(a for a in links if a.get_attribute("data-name") == "report.html").click()
    target = None
    for _ in range(100):
        done = [p for p in d.downloads.iterdir() if p.name.endswith("report.html")]
        if done:
            target = done[0]
            break
        time.sleep(0.1)
    assert target is not None, list(d.downloads.iterdir())
    d.get(target.as_uri())
    assert _wait(d, "#answer .sentence").text == sentence
    with capsys.disabled():
        print(f"\nbrowser flow (upload -> choose -> report): {seconds:.1f} s")


def test_bad_file_shows_its_message(browser, live_app, tmp_path):
    from selenium.webdriver.common.by import By

    bad = tmp_path / "schools.csv"
    bad.write_text("URN,grade,grade\n1,2,3\n")
    d = browser
    d.get(live_app["url"] + "/")
    d.find_element(By.ID, "file").send_keys(str(bad))
    d.find_element(By.ID, "upload").click()
    err = _wait(d, "#error")
    text = err.text
    assert "schools.csv has a duplicated column name 'grade'" in text
    assert "\n" not in text and "Traceback" not in d.page_source
    assert str(tmp_path) not in d.page_source           # no temporary path shown


def test_inspector_question_in_the_browser(browser, live_app, tmp_path):
    import numpy as np
    import pandas as pd
    from selenium.webdriver.common.by import By

    rng = np.random.default_rng(2)
    p = tmp_path / "inspections.csv"
    pd.DataFrame({"grade": rng.choice(["Outstanding", "Good", "Requires improvement",
                                       "Inadequate"], 900, p=[.15, .65, .15, .05]),
                  "lead inspector": rng.choice([f"Person {i}" for i in range(25)], 900)}
                 ).to_csv(p, index=False)
    d = browser
    d.get(live_app["url"] + "/")
    d.find_element(By.ID, "file").send_keys(str(p))
    d.find_element(By.ID, "upload").click()
    _wait(d, "#layout-name")
    d.find_element(By.CSS_SELECTOR, "input[name=question][value=inspectors]").click()
    assert d.find_element(By.ID, "inspector").get_attribute("value") == "lead inspector"
    d.find_element(By.ID, "key").send_keys("a secret word")
    d.find_element(By.ID, "run").click()
    sentence = _wait(d, "#answer .sentence").text
    assert "inspectors" in sentence and "ICC(1)" in sentence
    assert "Person" not in d.page_source                  # names never shown


def test_progress_shown_then_report(browser, live_app):
    """The form runs the analysis in the background: the progress page appears (a progress
    bar filled from the server's JSON), then the report replaces it by itself."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    d.get(live_app["url"] + "/")
    d.find_element(By.ID, "file").send_keys(str(WM))
    d.find_element(By.ID, "upload").click()
    _wait(d, "#layout-name")
    d.find_element(By.CSS_SELECTOR, "input[name=question][value=context]").click()
    d.find_element(By.ID, "run").click()
    # the progress page: the bar, the stage, the JSON it polls; caught as soon as it loads
    WebDriverWait(d, 60, poll_frequency=0.02).until(
        lambda drv: drv.find_elements(By.ID, "progress") or drv.find_elements(By.ID, "answer"))
    seen = d.execute_script(
        "var p=document.getElementById('progress');"
        "return p ? [location.pathname, p.max, document.getElementById('stage').textContent]"
        " : null;")
    answer = _wait(d, "#answer .sentence")
    assert "schools in the most deprived fifth" in answer.text
    assert d.current_url.endswith("/report")
    # the report was opened from the progress page (its JavaScript moved on by itself)
    assert d.execute_script("return document.referrer").endswith("/working")
    assert seen is not None, "the progress page was not shown"
    path, maximum, stage = seen
    assert path.endswith("/working") and maximum == 100 and stage.strip()
