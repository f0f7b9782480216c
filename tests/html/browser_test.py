#!/usr/bin/python3
"""The step-by-step page of shmsim run --html in a real browser.

usage: browser_test.py SHMSIM SRCDIR OUTDIR

Writes pages for tests/html/first.shm (shmsim run --html) and for a
replayed schedule of tests/html/race.shm (explore --replay TOKEN --html),
opens them from disk in headless Chromium driven by Selenium, and checks
what a student sees: "step K of N" and the highlighted statement for
#step=K, the right arrow key, the counts in the picture, what a step
changed, the lock table of a par block's step, and no JavaScript error.
Keeps screenshots in OUTDIR (step.png: a step of the race).

Exit 77 (skipped) when Chromium, chromedriver, Selenium or dot are
missing, or 1 when SHMSIM_REQUIRE_BROWSER is set (CI).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def skip(why):
    if os.environ.get("SHMSIM_REQUIRE_BROWSER"):
        print("FAIL (SHMSIM_REQUIRE_BROWSER is set): " + why)
        sys.exit(1)
    print("SKIP: " + why)
    sys.exit(77)


failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def main():
    shmsim, src, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        skip("Selenium for Python 3 is missing (Debian: python3-selenium)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver")
        else None)
    if chromium is None or driver_path is None:
        skip("Chromium or chromedriver is missing "
             "(Debian: chromium, chromium-driver)")
    if shutil.which("dot") is None:
        skip("Graphviz's dot is missing (Debian: graphviz)")

    # The pages.
    first = os.path.join(out, "first.html")
    r = subprocess.run([shmsim, "run", "--quiet", "--html", first,
                        os.path.join(src, "first.shm")],
                       capture_output=True, text=True)
    check(r.returncode == 0, "run --html first.shm: exit %d %s"
          % (r.returncode, r.stderr))
    race_shm = os.path.join(src, "race.shm")
    r = subprocess.run([shmsim, "explore", "--quiet", race_shm],
                       capture_output=True, text=True)
    token = None
    for t in re.findall(r"token ([0-9]-[0-9a-f.-]+)", r.stdout):
        rr = subprocess.run([shmsim, "explore", "--quiet", "--replay", t,
                             race_shm], capture_output=True, text=True)
        if " -- blocked at " in rr.stdout:
            token = t
            break
    check(token is not None, "a failing schedule of race.shm that blocks")
    race = os.path.join(out, "race.html")
    r = subprocess.run([shmsim, "explore", "--quiet", "--replay", token,
                        "--html", race, race_shm],
                       capture_output=True, text=True)
    check(r.returncode == 1, "explore --replay --html race.shm: exit %d"
          % r.returncode)
    r = subprocess.run([shmsim, "demo", "--html", out], capture_output=True,
                       text=True)
    check(r.returncode == 0, "demo --html: exit %d" % r.returncode)

    opts = webdriver.ChromeOptions()
    profile = tempfile.mkdtemp(prefix="shmsim-chromium-")
    for a in ["--headless", "--disable-gpu", "--no-sandbox",
              "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync",
              "--user-data-dir=" + profile, "--window-size=1400,1000"]:
        opts.add_argument(a)
    opts.binary_location = chromium
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(driver_path), options=opts)
    try:
        run_checks(d, first, race, out, By, Keys, WebDriverWait)
        errors = [e for e in d.get_log("browser")
                  if e.get("level") == "SEVERE"]
        check(not errors, "no JavaScript error in the console %s"
              % (errors or ""))
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")


def run_checks(d, first, race, out, By, Keys, WebDriverWait):
    def open_page(path, step):
        d.get("file://" + os.path.abspath(path) + "#step=%d" % step)
        # A new page, or the same one at another #step.
        d.refresh()
        WebDriverWait(d, 30).until(
            lambda x: x.find_element(By.TAG_NAME, "body")
            .get_attribute("data-ready") == "1")

    def pos():
        return d.find_element(By.ID, "pos").text

    def current():
        cur = d.find_elements(By.CSS_SELECTOR, ".ln.cur")
        if not cur:
            return None, None
        return (cur[0].find_element(By.CSS_SELECTOR, ".tx").text,
                cur[0].find_element(By.CSS_SELECTOR, ".res").text)

    def node_lines(first_line_prefix):
        """The text lines of the picture's box whose first line starts so
        (ghosts excluded)."""
        return d.execute_script("""
            var out = null;
            document.querySelectorAll('#pic g.node').forEach(function(n) {
              if (n.classList.contains('ghost')) return;
              var t = Array.prototype.map.call(n.querySelectorAll('text'),
                  function(x) { return x.textContent; });
              if (out === null && t.length && t[0].indexOf(arguments[0]) === 0)
                out = t;
            });
            return out;""".replace("arguments[0]",
                                   json.dumps(first_line_prefix)))

    def key(k):
        d.find_element(By.TAG_NAME, "body").send_keys(k)

    # first.html: 17 statements that are steps, and the state before them.
    open_page(first, 10)
    check(pos() == "step 10 of 18", "#step=10 shows 'step 10 of 18' (%r)"
          % pos())
    tx, res = current()
    check(tx == 'bob: pread(bfd, 5, 0) => "hello"',
          "step 10 highlights line 14 (%r)" % tx)
    check(res == '# = "hello"', "line 14 shows its result (%r)" % res)

    key(Keys.ARROW_RIGHT)
    check(pos() == "step 11 of 18", "right arrow: 'step 11 of 18' (%r)"
          % pos())
    tx, _ = current()
    check(tx == "state => objects=1 shm=1 names=1 files=2",
          "step 11 highlights line 15 (%r)" % tx)
    check(d.execute_script("return location.hash") == "#step=11",
          "the address follows: #step=11")

    # After alice's shm_open: the file and the name hold the shmfd.
    open_page(first, 3)
    lines = node_lines('shm 1 "/notes"')
    check(lines is not None and "shm_refs 2" in lines,
          "step 3: shm 1 has shm_refs 2 (%r)" % (lines,))
    check(d.execute_script(
        "return document.querySelectorAll('#pic g.node.new').length") >= 5,
        "step 3: the new boxes are marked new")

    # bob's open (step 9) makes it 3; shm_unlink (step 13) frees the name.
    open_page(first, 12)
    lines = node_lines('shm 1 "/notes"')
    check(lines is not None and "shm_refs 3" in lines,
          "step 12: shm_refs 3 (%r)" % (lines,))
    key(Keys.ARROW_RIGHT)
    lines = node_lines("shm 1 (unnamed)")
    check(lines is not None and "shm_refs 2 (was shm_refs 3)" in lines,
          "step 13: shm_refs 2 shown with its old value (%r)" % (lines,))
    ghosts = d.execute_script("""
        return Array.prototype.map.call(
            document.querySelectorAll('#pic g.node.ghost'),
            function(n) { return n.querySelector('text').textContent; });""")
    check('"/notes"' in ghosts, "step 13: the freed name is drawn fading "
          "(%r)" % ghosts)
    changes = d.find_element(By.ID, "changes").text
    check('"/notes" freed' in changes, "step 13: the change list says the "
          "name was freed")
    d.save_screenshot(os.path.join(out, "first-step13.png"))

    d.find_element(By.ID, "prev").click()
    check(pos() == "step 12 of 18", "the back button: step 12 (%r)" % pos())
    key(Keys.END)
    check(pos() == "step 18 of 18", "End: step 18 (%r)" % pos())
    res12 = d.find_element(By.CSS_SELECTOR, "#L12 .res").text
    check(res12 == "# EACCES", "line 12 shows EACCES (%r)" % res12)
    key(Keys.HOME)
    check(pos() == "step 1 of 18" and current()[0] is None,
          "Home: step 1, nothing highlighted")
    d.execute_script("var s=document.getElementById('slider');s.value='5';"
                     "s.dispatchEvent(new Event('input'));")
    check(pos() == "step 5 of 18", "the slider: step 5 (%r)" % pos())

    # race.html: a step of the par block where one thread holds the
    # dictionary lock and the other waits for it.
    with open(race, encoding="utf-8") as f:
        html = f.read()
    m = re.search(r'<script type="application/json" id="data">(.*?)'
                  r'</script>', html, re.S)
    data = json.loads(m.group(1))
    n = len(data["steps"])
    blocked = [k for k, s in enumerate(data["steps"])
               if s.get("t") and s["t"]["ev"] == "blocked"]
    preempted = [k for k, s in enumerate(data["steps"])
                 if s.get("t") and s["t"]["p"] == 1]
    check(bool(blocked) and bool(preempted),
          "the replay has a blocked and a preempted step")
    k = blocked[0] + 1
    open_page(race, k)
    check(pos() == "step %d of %d" % (k, n), "race #step=%d: %r" % (k, pos()))
    rows = d.execute_script("""
        return Array.prototype.map.call(
            document.querySelectorAll('#sched tr'),
            function(r) { return Array.prototype.map.call(r.cells,
                function(c) { return c.textContent; }); });""")
    check(any(r[1] == "blocked" and "shm dictionary" in r[4] for r in rows),
          "the lock table: a thread waits for the dictionary lock (%r)"
          % rows)
    check(any(r[1] == "runnable" and "shm dictionary" in r[3] for r in rows),
          "the lock table: the other holds it (%r)" % rows)
    badges = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".thr")]
    check(any("(blocked)" in b for b in badges),
          "the source marks where the blocked thread is (%r)" % badges)
    undrawn = d.execute_script("""
        return Array.prototype.map.call(
            document.querySelectorAll('#pic text.undrawn'),
            function(t) { return t.textContent; });""")
    check(any(u.startswith("f_count 2") and "1 arrow" in u for u in undrawn),
          "the file's reference held by the open in progress is marked "
          "not drawn (%r)" % undrawn)
    d.save_screenshot(os.path.join(out, "step.png"))
    open_page(race, preempted[0] + 1)
    check("preemption point" in d.find_element(By.ID, "sched").text,
          "a preemption point is marked")

    # The demo's pages: every step shows (any error is in the console,
    # checked at the end).
    for name in ("demo-current.html", "demo-2008.html"):
        open_page(os.path.join(out, name), 1)
        n_demo = int(d.find_element(By.ID, "slider").get_attribute("max"))
        d.execute_script("""
            for (var k = 1; k <= arguments[0]; k++) {
              location.hash = '#step=' + k;
              window.dispatchEvent(new HashChangeEvent('hashchange'));
            }""", n_demo)
        check(pos() == "step %d of %d" % (n_demo, n_demo) and n_demo > 10,
              "%s: every step shown (%r)" % (name, pos()))

    # Stepping is quick: every step of the race.
    open_page(race, 1)
    t0 = time.monotonic()
    for _ in range(n):
        key(Keys.ARROW_RIGHT)
    check(pos() == "step %d of %d" % (n, n), "stepped to the end")
    print("stepping: %.1f ms a step (with WebDriver's round trips)"
          % ((time.monotonic() - t0) * 1000 / n))


if __name__ == "__main__":
    main()
