#!/usr/bin/env python3
"""check_docs.py BUILD_DIR SOURCE_DIR WORK: the documentation runs.

Every example in docs/tutorial.md, docs/shmsim.1 and the EXAMPLES of
docs/shmsim-scenario.5 is extracted and run in a scratch directory
(WORK), in document order, and its output compared with what the page
shows; a block that differs is named FILE:LINE with a diff.  The
convention:

Markdown, a fenced block (```):
  - whose first line starts with "$ ": a session.  Each "$ CMD" line is
    run with sh -c in the scratch directory; the lines up to the next
    "$ " are its expected output (stdout and stderr together).  "echo $?"
    prints the previous command's exit status.
  - preceded by a comment line <!-- doctest: KIND ... -->, where KIND is
      file NAME                 the block is the file NAME (written);
      file NAME from BASE lines L[,L|-L...]
                                NAME is BASE (an earlier file) with
                                those lines replaced, in order, by the
                                block's lines (its "..." lines skipped);
      output-of CMD             the block is an excerpt of CMD's output;
      excerpt-of-file PATH      the block is an excerpt of the file PATH
                                of the source tree;
      skip REASON               not run, for the reason given;
  - a comment <!-- doctest: copy PATH NAME --> on its own copies the
    file PATH of the source tree to NAME in the scratch directory.
  - any other fenced block is an error: every example is accounted for.
man pages (mdoc), a .Bd -literal ... .Ed block, the same way with a
comment line .\\" doctest: KIND ... right before it, plus
      scenario                  a scenario that must pass (shmsim run);
a .Dl $ CMD line is a command that must exit 0 (output not shown).

Expected output: a line "..." stands for any lines (none included);
"N.NN s (N/s)" timings are masked on both sides.  Commands find
./build/default/shmsim, ./build/default/tests/planted/... and tests/
through links in the scratch directory, and "shmsim" on PATH.  A
command whose program is not installed (dot) is skipped, and said so.
"""
import difflib
import os
import re
import shutil
import subprocess
import sys

build, src, work = (os.path.abspath(a) for a in sys.argv[1:4])
shmsim = os.path.join(build, "shmsim")
problems = []
counts = {"sessions": 0, "commands": 0, "files": 0, "excerpts": 0,
          "scenarios": 0, "skipped": 0}


def setup():
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(os.path.join(work, "build", "default", "tests"))
    os.makedirs(os.path.join(work, "bin"))
    os.symlink(shmsim, os.path.join(work, "build", "default", "shmsim"))
    os.symlink(shmsim, os.path.join(work, "bin", "shmsim"))
    os.symlink(os.path.join(build, "tests", "planted"),
               os.path.join(work, "build", "default", "tests", "planted"))
    os.symlink(os.path.join(src, "tests"), os.path.join(work, "tests"))


ENV = dict(os.environ)
ENV["PATH"] = os.path.join(work, "bin") + os.pathsep + ENV.get("PATH", "")
ENV["LC_ALL"] = "C"
TIMING = re.compile(r"\d+\.\d+ s \(\d+/s\)")


def run(cmd, prev_rc):
    """cmd in the scratch directory; (rc, output) or None if skipped."""
    prog = cmd.split()[0]
    # Only shmsim (and echo/printf feeding it) is checked; another
    # program (Graphviz's dot) is not ours to test, and may be missing.
    if os.path.basename(prog) not in ("echo", "printf", "shmsim") and \
            not os.path.basename(prog).startswith("shmsim-patched-planted-"):
        return None
    p = subprocess.run(["sh", "-c", f"(exit {prev_rc}); {cmd}"], cwd=work,
                       env=ENV, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def norm(lines):
    return [TIMING.sub("N s (N/s)", l.rstrip()) for l in lines]


def matches(expected, actual, anchored):
    """expected (with "..." gap lines) against actual lines."""
    exp, act = norm(expected), norm(actual)

    def m(i, j):
        if i == len(exp):
            return j == len(act) or not anchored
        if exp[i] == "...":
            return any(m(i + 1, k) for k in range(j, len(act) + 1))
        return j < len(act) and exp[i] == act[j] and m(i + 1, j + 1)

    if anchored:
        return m(0, 0)
    return any(m(0, j) for j in range(len(act) + 1))


def problem(where, what, expected=None, actual=None):
    text = f"{where}: {what}"
    if expected is not None:
        diff = difflib.unified_diff(expected, actual, "documented",
                                    "actual", lineterm="", n=2)
        text += "\n" + "\n".join(diff)
    problems.append(text)


def session(where, lines):
    counts["sessions"] += 1
    rc = 0
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            problem(where, f"output line before any command: {lines[i]!r}")
            return
        cmd = lines[i][2:]
        j = i + 1
        while j < len(lines) and not lines[j].startswith("$ "):
            j += 1
        expected = lines[i + 1:j]
        counts["commands"] += 1
        r = run(cmd, rc)
        if r is None:
            counts["skipped"] += 1
            print(f"{where}: not run (not shmsim): $ {cmd}")
        else:
            rc, out = r
            actual = out.splitlines()
            if not matches(expected, actual, True):
                problem(f"{where}", f"$ {cmd} (exit {rc}) printed "
                        "something else", expected, actual)
        i = j


cache = {}


def excerpt(where, cmd, lines):
    counts["excerpts"] += 1
    if cmd not in cache:
        r = run(cmd, 0)
        cache[cmd] = r[1].splitlines() if r else None
    if cache[cmd] is None:
        counts["skipped"] += 1
        return
    if not matches(lines, cache[cmd], False):
        best = difflib.get_close_matches("\n".join(lines), ["\n".join(
            cache[cmd][k:k + len(lines)]) for k in range(len(cache[cmd]))],
            n=1, cutoff=0)
        problem(where, f"not in the output of {cmd}", lines,
                best[0].splitlines() if best else [])


def write_file(where, spec, lines):
    m = re.fullmatch(r"(\S+)(?: from (\S+) lines ([0-9,\-]+))?", spec)
    if not m:
        problem(where, f"bad file spec {spec!r}")
        return
    name, base, which = m.groups()
    if base:
        try:
            with open(os.path.join(work, base)) as f:
                text = f.read().split("\n")
        except OSError as e:
            problem(where, f"{base}: {e}")
            return
        nums = []
        for part in which.split(","):
            a, _, b = part.partition("-")
            nums += range(int(a), int(b or a) + 1)
        new = [l for l in lines if l != "..."]
        if len(new) != len(nums):
            problem(where, f"{len(new)} lines for lines {which} of {base}")
            return
        for n, l in zip(nums, new):
            text[n - 1] = l
        content = "\n".join(text)
    else:
        content = "\n".join(lines) + "\n"
    counts["files"] += 1
    with open(os.path.join(work, name), "w") as f:
        f.write(content)


def scenario(where, lines):
    counts["scenarios"] += 1
    path = os.path.join(work, "example.shm")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    p = subprocess.run([shmsim, "run", "--quiet", path], cwd=work, env=ENV,
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        problem(where, f"the scenario does not pass (exit {p.returncode}):"
                f"\n{p.stdout}{p.stderr}")


def copy(where, directive):
    parts = directive.split()
    if len(parts) != 3:
        problem(where, f"bad directive {directive!r}")
        return
    try:
        shutil.copyfile(os.path.join(src, parts[1]),
                        os.path.join(work, parts[2]))
    except OSError as e:
        problem(where, str(e))


def block(where, marker, lines):
    if marker is None:
        if lines and lines[0].startswith("$ "):
            session(where, lines)
        else:
            problem(where, "a block with no doctest comment and no $ "
                    "command: say what it is (file, output-of, skip)")
        return
    kind, _, rest = marker.partition(" ")
    if kind == "file":
        write_file(where, rest, lines)
    elif kind == "output-of":
        excerpt(where, rest, lines)
    elif kind == "scenario":
        scenario(where, lines)
    elif kind == "excerpt-of-file":
        counts["excerpts"] += 1
        try:
            with open(os.path.join(src, rest)) as f:
                content = f.read().splitlines()
        except OSError as e:
            problem(where, f"{rest}: {e}")
            return
        if not matches(lines, content, False):
            problem(where, f"not in {rest}", lines, content)
    elif kind == "skip" and rest:
        counts["skipped"] += 1
    else:
        problem(where, f"unknown doctest comment {marker!r}")


def markdown(path):
    rel = os.path.relpath(path, src)
    with open(path) as f:
        text = f.read().split("\n")
    marker = None
    i = 0
    while i < len(text):
        line = text[i]
        m = re.fullmatch(r"<!-- doctest: (.*) -->", line.strip())
        if m and m.group(1).startswith("copy "):
            copy(f"{rel}:{i + 1}", m.group(1))
        elif m:
            marker = m.group(1)
        elif line.startswith("```"):
            j = i + 1
            while j < len(text) and not text[j].startswith("```"):
                j += 1
            block(f"{rel}:{i + 1}", marker, text[i + 1:j])
            marker = None
            i = j
        elif line.strip():
            marker = None
        i += 1


def unroff(s):
    s = s.replace("\\(dq", '"').replace("\\&", "").replace("\\-", "-")
    return s.replace("\\e", "\\")


def manpage(path, only_examples):
    rel = os.path.relpath(path, src)
    with open(path) as f:
        text = f.read().split("\n")
    marker = None
    section = None
    i = 0
    while i < len(text):
        line = text[i]
        if line.startswith(".Sh "):
            section = line[4:]
        checked = not only_examples or section == "EXAMPLES"
        m = re.fullmatch(r'\.\\" doctest: (.*)', line)
        if m and m.group(1).startswith("copy "):
            copy(f"{rel}:{i + 1}", m.group(1))
        elif m:
            marker = m.group(1)
        elif line.startswith(".Bd -literal"):
            j = i + 1
            while j < len(text) and text[j] != ".Ed":
                j += 1
            if checked:
                block(f"{rel}:{i + 1}", marker,
                      [unroff(l) for l in text[i + 1:j]])
            marker = None
            i = j
        elif checked and line.startswith(".Dl $ "):
            cmd = unroff(line[6:])
            counts["commands"] += 1
            r = run(cmd, 0)
            if r is None:
                counts["skipped"] += 1
            elif r[0] != 0:
                problem(f"{rel}:{i + 1}", f"$ {cmd}: exit {r[0]}")
        elif not line.startswith('.\\"'):
            marker = None
        i += 1


setup()
markdown(os.path.join(src, "docs", "tutorial.md"))
manpage(os.path.join(src, "docs", "shmsim.1"), False)
manpage(os.path.join(src, "docs", "shmsim-scenario.5"), True)
for prob in problems:
    print("FAIL:", prob, "\n")
print("check_docs: " + ", ".join(f"{v} {k}" for k, v in counts.items()) +
      f"; {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
