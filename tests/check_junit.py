#!/usr/bin/env python3
"""check_junit.py SHMSIM SCENARIOS_DIR WORK: shmsim run --junit and
shmsim explore --junit write JUnit XML that parses and is consistent.

Checked: the root is <testsuites> holding one <testsuite>; one <testcase>
per scenario file, named after it; the tests, failures and errors counts
of both elements match the test cases; a failing file's <failure> names
FILE:LINE with what was expected and what was got, as the command
printed it; a file that did not parse is an <error>; for explore, the
failure holds the failing schedule's token and its replay command.
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

shmsim, sdir, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
problems = []


def check(cond, what):
    if not cond:
        problems.append(what)


def run(args, expect_rc):
    p = subprocess.run([shmsim] + args, capture_output=True, text=True)
    check(p.returncode == expect_rc,
          f"shmsim {' '.join(args)}: exit {p.returncode}, expected "
          f"{expect_rc}\n{p.stdout}{p.stderr}")
    return p


def load(path):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        problems.append(f"{path}: not well-formed XML: {e}")
        return None, []
    check(root.tag == "testsuites", f"{path}: root is <{root.tag}>")
    suites = root.findall("testsuite")
    check(len(suites) == 1, f"{path}: {len(suites)} <testsuite>")
    cases = suites[0].findall("testcase") if suites else []
    nfail = sum(1 for c in cases if c.find("failure") is not None)
    nerr = sum(1 for c in cases if c.find("error") is not None)
    for el in [root] + suites:
        for attr, want in (("tests", len(cases)), ("failures", nfail),
                           ("errors", nerr)):
            check(el.get(attr) == str(want),
                  f"{path}: <{el.tag}> {attr}={el.get(attr)!r}, "
                  f"but {want} test cases say so")
    for c in cases:
        check(c.get("name") and c.get("classname") and
              c.get("time") is not None,
              f"{path}: test case without name/classname/time")
    return root, cases


# run: a passing file, a failing one, twice the failing one's checks.
ok = os.path.join(sdir, "audit_and_dump.shm")
bad = os.path.join(sdir, "fail", "wrong_expectation.shm")
race = os.path.join(sdir, "explore", "excl_order.shm")
out = os.path.join(work, "run.xml")
p = run(["run", "--quiet", "--junit", out, ok, bad, race], 1)
root, cases = load(out)
check([c.get("name") for c in cases] == [ok, bad, race],
      f"{out}: test cases {[c.get('name') for c in cases]}")
if len(cases) == 3:
    check(cases[0].find("failure") is None, f"{out}: {ok} failed")
    f = cases[1].find("failure")
    check(f is not None, f"{out}: {bad} did not fail")
    if f is not None:
        msg = f.get("message")
        check(msg.startswith(f"{bad}:") and ": FAIL: expected " in msg
              and ", got " in msg,
              f"{out}: failure message {msg!r} lacks FILE:LINE, "
              f"expected and got")
        # Every failure line the command printed is in the report.
        printed = [l for l in p.stdout.splitlines()
                   if l.startswith(f"{bad}:") and ": FAIL: " in l]
        check(printed and all(l in f.text for l in printed),
              f"{out}: failure text {f.text!r} lacks {printed}")
    check(int(cases[1].get("assertions")) >= 1, f"{out}: no assertions")

# A syntax error: the file is an <error>, nothing ran (exit 2).
syn = os.path.join(sdir, "fail", "syntax_error.shm")
out = os.path.join(work, "syntax.xml")
run(["run", "--quiet", "--junit", out, ok, syn], 2)
root, cases = load(out)
errs = [c for c in cases if c.find("error") is not None]
check(len(errs) == 1 and errs[0].get("name") == syn,
      f"{out}: expected one <error> test case for {syn}")

# explore: a failing race, with its token and replay command.
out = os.path.join(work, "explore.xml")
p = run(["explore", "--quiet", "--junit", out, race], 1)
root, cases = load(out)
check(len(cases) == 1, f"{out}: {len(cases)} test cases")
if cases:
    f = cases[0].find("failure")
    check(f is not None, f"{out}: the race did not fail")
    if f is not None:
        check("failed (token " in f.get("message"),
              f"{out}: message {f.get('message')!r} has no token")
        replay = [l for l in p.stdout.splitlines()
                  if l.startswith("replay: ")]
        check(replay and replay[0] in f.text,
              f"{out}: the replay command {replay} is not in {f.text!r}")
        check(": FAIL: expected EEXIST, got 0" in f.text,
              f"{out}: the failure line is not in {f.text!r}")

# explore of a passing file: one passing test case.
out = os.path.join(work, "explore-pass.xml")
run(["explore", "--quiet", "--junit", out,
     os.path.join(sdir, "explore", "no_par.shm")], 0)
root, cases = load(out)
check(len(cases) == 1 and cases[0].find("failure") is None,
      f"{out}: expected one passing test case")

for prob in problems:
    print("FAIL:", prob)
print(f"check_junit: {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
