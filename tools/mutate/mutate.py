#!/usr/bin/env python3
"""Mutation testing of shmsim's src/ (tools/mutate/README.md).

Generic mutants are enumerated from the C text of the kernel files in a
stable order, each with an id (FILE:LINE:COL:OP:N); each is applied alone
to one scratch copy of the tree (build/mutate/tree, its own Ninja build
directory), rebuilt incrementally, and run against the suite in stages
ordered to kill fast (the scenarios in one process, the unit tests, then
the slower explorations), stopping at the first failure.  A mutant is
killed (some stage failed), timeout (counted as killed), survived (every
stage passed) or build-failed (not counted).  Results go, one JSON object
per line, to build/mutate/results.jsonl, so that a campaign resumes where
it stopped; `report` turns them into the tables of docs/mutation.md.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

KERNEL_FILES = [
    "src/shm_ns.c", "src/shm_io.c", "src/shm_attr.c", "src/shm_mmap.c",
    "src/shm_largepage.c", "src/shm_rename.c", "src/fdtable.c",
    "src/uipc_rights.c", "src/vm_mmap.c",
]

# Calls whose arguments are messages or diagnostics, never mutated.
SKIP_CALLS = {
    "KASSERT", "MPASS", "panic", "CTASSERT", "_Static_assert",
    "static_assert", "printf", "fprintf", "snprintf", "vsnprintf",
    "sbuf_printf", "dump_printf", "assert", "WITNESS_WARN",
}
# Functions whose whole body is printing or dumping.
SKIP_FUNC_RE = re.compile(r"(dump|print)", re.I)

# Reference and lock calls whose deletion is a mutant (statement calls).
REF_CALLS = [
    "refcount_acquire", "refcount_release", "shm_hold", "shm_drop",
    "fhold", "fdrop", "vm_object_reference", "vm_object_deallocate",
]
LOCK_PAIRS = {
    "mtx_lock": "mtx_unlock",
    "sx_xlock": "sx_xunlock",
    "sx_slock": "sx_sunlock",
    "rw_wlock": "rw_wunlock",
    "rw_rlock": "rw_runlock",
    "rangelock_wlock": "rangelock_unlock",
    "rangelock_rlock": "rangelock_unlock",
    "VM_OBJECT_WLOCK": "VM_OBJECT_WUNLOCK",
    "VM_OBJECT_RLOCK": "VM_OBJECT_RUNLOCK",
    "FILEDESC_XLOCK": "FILEDESC_XUNLOCK",
    "FILEDESC_SLOCK": "FILEDESC_SUNLOCK",
}
LOCK_CALLS = sorted(set(LOCK_PAIRS) | set(LOCK_PAIRS.values()))
DELETABLE = set(REF_CALLS) | set(LOCK_CALLS)

# Each errno is swapped for one other, chosen as a plausible confusion.
ERRNO_SWAP = {
    "EINVAL": "EFBIG", "EFBIG": "EINVAL", "ENOENT": "EEXIST",
    "EEXIST": "ENOENT", "EACCES": "EPERM", "EPERM": "EACCES",
    "EBADF": "EINVAL", "ENOMEM": "ENOSPC", "ENOSPC": "ENOMEM",
    "EFAULT": "EINVAL", "EMFILE": "ENFILE", "ENFILE": "EMFILE",
    "EOVERFLOW": "EFBIG", "ENOTTY": "EINVAL", "ENODEV": "ENXIO",
    "ENXIO": "ENODEV", "EOPNOTSUPP": "EINVAL", "ENAMETOOLONG": "EINVAL",
    "EXDEV": "EINVAL", "EBUSY": "EAGAIN", "EAGAIN": "EBUSY",
    "EIO": "EFAULT", "ENOSYS": "EOPNOTSUPP", "ESRCH": "EINVAL",
    "EINTR": "EAGAIN", "EDEADLK": "EBUSY", "ERANGE": "EINVAL",
    "ENOTCAPABLE": "EPERM", "ECAPMODE": "EPERM", "EISDIR": "EINVAL",
    "ENOTDIR": "ENOENT", "ENOBUFS": "ENOMEM", "EDOM": "EINVAL",
}

ROR = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}

OPS = ["ror", "neg", "del", "delpair", "errno", "obo"]


# ------------------------------------------------------------- lexing

def lex(text):
    """Tokens (kind, start, end) of C text; comments, strings, character
    constants and preprocessor lines come out as kind 'skip'."""
    toks = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        if line_start and c == "#":
            j = i
            while j < n:
                if text[j] == "\n" and text[j - 1] != "\\":
                    break
                j += 1
            toks.append(("pp", i, j))
            i = j
            continue
        line_start = False
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            toks.append(("skip", i, j))
            i = j
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            toks.append(("skip", i, j))
            i = j
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            toks.append(("str", i, j + 1))
            i = j + 1
            continue
        if c.isalpha() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            toks.append(("id", i, j))
            i = j
            continue
        if c.isdigit():
            j = i
            while j < n and (text[j].isalnum() or text[j] in "._"):
                j += 1
            toks.append(("num", i, j))
            i = j
            continue
        for op in ("<<=", ">>=", "->", "<<", ">>", "<=", ">=", "==", "!=",
                   "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "|=",
                   "&=", "^=", "%="):
            if text.startswith(op, i):
                toks.append(("op", i, i + len(op)))
                i += len(op)
                break
        else:
            toks.append(("op", i, i + 1))
            i += 1
    return toks


def tok_text(text, t):
    return text[t[1]:t[2]]


def match_paren(text, toks, k):
    """Index of the token closing the '(' at toks[k]."""
    depth = 0
    for j in range(k, len(toks)):
        s = tok_text(text, toks[j])
        if s == "(":
            depth += 1
        elif s == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


def mutable_mask(text, toks):
    """For each token, the name of the function it is in, or None when the
    token must not be mutated (file scope, a skipped call's arguments,
    printing functions, code compiled out)."""
    ok = [None] * len(toks)
    depth = 0
    func = None
    func_ok = False
    skip_until = -1
    pp_skip = 0          # inside #ifdef SHMSIM_PLANT_* (not compiled)
    pp_stack = []
    last_func_name = None
    for k, t in enumerate(toks):
        s = tok_text(text, t)
        if t[0] == "pp":
            d = s.split()
            word = d[0].lstrip("#") if d else ""
            if word == "" and len(d) > 1:
                word = d[1]
            arg = s.replace("#", " ").split()
            arg = arg[1] if len(arg) > 1 else ""
            if word in ("ifdef", "if", "ifndef"):
                planted = word == "ifdef" and arg.startswith("SHMSIM_PLANT")
                compiled_out = (word == "ifndef" and arg == "INVARIANTS")
                pp_stack.append(planted or compiled_out)
                if planted or compiled_out:
                    pp_skip += 1
            elif word == "else" or word == "elif":
                if pp_stack:
                    was = pp_stack[-1]
                    pp_stack[-1] = not was
                    pp_skip += -1 if was else 1
            elif word == "endif":
                if pp_stack and pp_stack.pop():
                    pp_skip -= 1
            continue
        if t[0] == "id" and depth == 0:
            last_func_name = s
        if s == "{":
            if depth == 0:
                prev = k - 1
                while prev >= 0 and toks[prev][0] in ("skip", "pp"):
                    prev -= 1
                is_func = prev >= 0 and tok_text(text, toks[prev]) == ")"
                func = None
                if is_func:
                    # the name: the identifier before the parameter list
                    depth_p = 0
                    j = prev
                    while j >= 0:
                        ss = tok_text(text, toks[j])
                        if ss == ")":
                            depth_p += 1
                        elif ss == "(":
                            depth_p -= 1
                            if depth_p == 0:
                                break
                        j -= 1
                    func = tok_text(text, toks[j - 1]) if j > 0 else None
                func_ok = bool(func) and not SKIP_FUNC_RE.search(func)
            depth += 1
            continue
        if s == "}":
            depth -= 1
            if depth == 0:
                func = None
                func_ok = False
            continue
        if depth == 0 or not func_ok or pp_skip > 0:
            continue
        if k <= skip_until:
            continue
        if t[0] == "id" and s in SKIP_CALLS and k + 1 < len(toks) and \
                tok_text(text, toks[k + 1]) == "(":
            e = match_paren(text, toks, k + 1)
            skip_until = e if e is not None else len(toks)
            continue
        if t[0] in ("skip", "str"):
            continue
        ok[k] = func
    return ok


# ------------------------------------------------------------- mutants

class Mutant:
    __slots__ = ("file", "line", "col", "op", "n", "edits", "desc", "func",
                 "text")

    @property
    def id(self):
        return "%s:%d:%d:%s:%d" % (os.path.basename(self.file), self.line,
                                   self.col, self.op, self.n)

    def apply(self, text):
        out = text
        for (a, b, rep) in sorted(self.edits, reverse=True):
            out = out[:a] + rep + out[b:]
        return out

    def record(self):
        return {"id": self.id, "file": self.file, "line": self.line,
                "op": self.op, "desc": self.desc, "func": self.func,
                "text": self.text}


def line_col(text, pos):
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


def prev_code(text, toks, k):
    j = k - 1
    while j >= 0 and toks[j][0] in ("skip", "pp"):
        j -= 1
    return tok_text(text, toks[j]) if j >= 0 else ""


def first_arg(text, toks, k):
    """Text of the first argument of the call whose '(' is toks[k]."""
    depth = 0
    start = toks[k][2]
    for j in range(k, len(toks)):
        s = tok_text(text, toks[j])
        if s == "(":
            depth += 1
        elif s == ")":
            depth -= 1
            if depth == 0:
                return re.sub(r"\s+", "", text[start:toks[j][1]])
        elif s == "," and depth == 1:
            return re.sub(r"\s+", "", text[start:toks[j][1]])
    return ""


def enumerate_file(path):
    rel = os.path.relpath(path, ROOT)
    with open(path) as f:
        text = f.read()
    toks = lex(text)
    ok = mutable_mask(text, toks)
    raw = []

    def add(op, pos, edits, desc, func):
        raw.append((pos, op, edits, desc, func))

    for k, t in enumerate(toks):
        func = ok[k]
        if func is None:
            continue
        s = tok_text(text, t)
        nxt = tok_text(text, toks[k + 1]) if k + 1 < len(toks) else ""
        if t[0] == "op" and s in ROR:
            add("ror", t[1], [(t[1], t[2], ROR[s])],
                "%s -> %s" % (s, ROR[s]), func)
        elif t[0] == "id" and s in ("if", "while") and nxt == "(":
            e = match_paren(text, toks, k + 1)
            if e is None:
                continue
            a, b = toks[k + 1][2], toks[e][1]
            cond = re.sub(r"\s+", " ", text[a:b])
            add("neg", t[1], [(a, a, "!("), (b, b, ")")],
                "%s (%s) -> %s (!(%s))" % (s, cond, s, cond), func)
        elif t[0] == "id" and s in DELETABLE and nxt == "(":
            pc = prev_code(text, toks, k)
            if pc not in (";", "{", "}", ")", "else", ":"):
                continue
            e = match_paren(text, toks, k + 1)
            if e is None or tok_text(text, toks[e + 1]) != ";":
                continue
            call = re.sub(r"\s+", " ", text[t[1]:toks[e][2]])
            add("del", t[1], [(t[1], toks[e][2], "(void)0")],
                "delete %s" % call, func)
            if s in LOCK_PAIRS:
                want = LOCK_PAIRS[s]
                arg = first_arg(text, toks, k + 1)
                for j in range(e + 1, len(toks)):
                    if ok[j] is None:
                        continue
                    if ok[j] != func:
                        break
                    if tok_text(text, toks[j]) == want and \
                            tok_text(text, toks[j + 1]) == "(" and \
                            first_arg(text, toks, j + 1) == arg:
                        ej = match_paren(text, toks, j + 1)
                        if ej is None or \
                                tok_text(text, toks[ej + 1]) != ";" or \
                                prev_code(text, toks, j) not in \
                                (";", "{", "}", ")", "else", ":"):
                            break
                        add("delpair", t[1],
                            [(t[1], toks[e][2], "(void)0"),
                             (toks[j][1], toks[ej][2], "(void)0")],
                            "delete %s and the next %s (line %d)" %
                            (call, want, line_col(text, toks[j][1])[0]),
                            func)
                        break
        elif t[0] == "id" and s in ERRNO_SWAP:
            add("errno", t[1], [(t[1], t[2], ERRNO_SWAP[s])],
                "%s -> %s" % (s, ERRNO_SWAP[s]), func)
        elif t[0] == "num":
            m = re.fullmatch(r"(0[xX][0-9a-fA-F]+|[0-9]+)([uUlL]*)", s)
            if not m:
                continue
            pc = prev_code(text, toks, k)
            if pc == "case":
                continue
            lit = m.group(1)
            val = int(lit, 16) if lit[:2] in ("0x", "0X") else \
                int(lit, 8) if len(lit) > 1 and lit[0] == "0" else int(lit)
            # `x == 0` / `x != 0` against 1 only repeats the ror and neg
            # mutants of the same test
            if val == 0 and (pc in ("==", "!=") or nxt in ("==", "!=")):
                continue
            add("obo", t[1], [(t[1], t[2], "(%s + 1)" % s)],
                "%s -> %s + 1" % (s, s), func)
            if val != 0:
                add("obo", t[1], [(t[1], t[2], "(%s - 1)" % s)],
                    "%s -> %s - 1" % (s, s), func)
        elif t[0] == "id" and s == "sizeof" and nxt == "(":
            e = match_paren(text, toks, k + 1)
            if e is None:
                continue
            add("obo", t[1], [(toks[e][2], toks[e][2], " - 1")],
                "%s -> %s - 1" % (text[t[1]:toks[e][2]],
                                  text[t[1]:toks[e][2]]), func)

    raw.sort(key=lambda r: (r[0], OPS.index(r[1])))
    out = []
    seen = {}
    lines = text.split("\n")
    for pos, op, edits, desc, func in raw:
        m = Mutant()
        m.file = rel
        m.line, m.col = line_col(text, pos)
        m.op = op
        key = (m.line, m.col, op)
        m.n = seen.get(key, 0)
        seen[key] = m.n + 1
        m.edits = edits
        m.desc = desc
        m.func = func
        m.text = lines[m.line - 1].strip()
        out.append(m)
    return out, text


def enumerate_all(files, ops):
    allm = []
    texts = {}
    for f in files:
        ms, text = enumerate_file(os.path.join(ROOT, f))
        texts[f] = text
        allm.extend(m for m in ms if m.op in ops)
    return allm, texts


def select(mutants, args):
    if args.ids:
        want = set()
        for spec in args.ids:
            if os.path.exists(spec):
                with open(spec) as f:
                    want |= {ln.split()[0] for ln in f
                             if ln.strip() and not ln.startswith("#")}
            else:
                want.add(spec)
        mutants = [m for m in mutants if m.id in want]
    if args.survivors:
        res = load_results()
        eq = load_equivalents(args.equivalents)
        mutants = [m for m in mutants if m.id not in eq and
                   res.get(m.id, {}).get("status") == "survived"]
    if args.sample and args.sample < len(mutants):
        rng = random.Random(args.seed)
        picked = set(rng.sample(range(len(mutants)), args.sample))
        mutants = [m for i, m in enumerate(mutants) if i in picked]
    return mutants


# ------------------------------------------------------------- the tree

SCRATCH = os.path.join(ROOT, "build", "mutate")
TREE = os.path.join(SCRATCH, "tree")
BUILD = os.path.join(TREE, "build")
RESULTS = os.path.join(SCRATCH, "results.jsonl")

UNIT_SLOW = ["test_stress"]
ASAN = False
RELEASE = False


def sh(cmd, timeout=None, cwd=None, env=None):
    """Run cmd; (status, output, seconds).  status is 'timeout' on timeout,
    and then the whole process group goes (ctest's children included: a
    hung mutant must not keep running)."""
    t0 = time.time()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out.decode(errors="replace"), time.time() - t0
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = p.communicate()
        return "timeout", out.decode(errors="replace"), time.time() - t0


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    return [f for f in out.split("\0") if f]


def sync_tree():
    """Bring the scratch copy up to date with the worktree (only files
    that differ are copied, so the build stays incremental)."""
    os.makedirs(TREE, exist_ok=True)
    for f in tracked_files():
        src = os.path.join(ROOT, f)
        dst = os.path.join(TREE, f)
        if not os.path.isfile(src):
            continue
        if os.path.exists(dst):
            with open(src, "rb") as a, open(dst, "rb") as b:
                if a.read() == b.read():
                    continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
        os.utime(dst)


def build_targets():
    tests = sorted(os.path.splitext(f)[0] for f in os.listdir(
        os.path.join(TREE, "tests")) if re.fullmatch(r"test_\w+\.c", f))
    return ["shmsim-cli", "fault_loop", "fuzz_names_replay",
            "fuzz_syscalls_replay", "fuzz_scenario_replay",
            "shm_grow_race", "decode_reuse", "audit_nolock_names",
            "audit_nolock_syscalls", "growth_race_check"] + tests


# The ctest tests that are not part of a mutant's suite (stages()).
CTEST_EXCLUDE = (r"^(test_|scenario/[^/]*$|scenario/race/|install/"
                 r"|package/|planted/|mutate/|docs/|fix/.*/(fixed|suite))")


def unbuilt_tests():
    """The names of the ctest stage's tests whose program build_targets()
    does not build (ctest lists them without a command): a test added
    since, whose program the list must gain."""
    st, out, _ = sh(["ctest", "--test-dir", BUILD, "--show-only=json-v1",
                     "-E", CTEST_EXCLUDE])
    if st != 0:
        return ["(ctest --show-only failed)"]
    start = out.find("{")
    tests = json.loads(out[start:]).get("tests", []) if start >= 0 else []
    return [t["name"] for t in tests if "command" not in t]


def configure():
    if not os.path.exists(os.path.join(BUILD, "build.ninja")):
        argv = ["cmake", "-S", TREE, "-B", BUILD, "-G", "Ninja",
                "-DCMAKE_C_COMPILER=gcc", "-DCMAKE_BUILD_TYPE=" +
                ("Release" if RELEASE else "Debug")]
        if ASAN:
            # as the asan preset of CMakePresets.json (CI runs the suite
            # so too)
            argv.append("-DCMAKE_C_FLAGS=-fsanitize=address,undefined "
                        "-fno-sanitize-recover=all -fno-omit-frame-pointer")
        st, out, _ = sh(argv)
        if st != 0:
            sys.exit("mutate: configure failed\n" + out)


def build(timeout=600):
    st, out, secs = sh(["ninja", "-C", BUILD] + build_targets(),
                       timeout=timeout)
    return st, out, secs


def stages():
    """The suite, in the order that kills fastest: each stage is (name,
    argv).  The unit tests are run directly (test_stress last, it is the
    slow one), the rest of ctest (explorations, fault loop, fuzz replays,
    negative scenarios, repro) through ctest, stopping at the first
    failure.  Tests that check the build itself (install, package) or
    run other patched builds (planted, fix/*/fixed, fix/*/suite, and
    docs/examples, which runs the tutorial's planted build) are not part
    of a mutant's suite."""
    cli = os.path.join(BUILD, "shmsim")
    scen = os.path.join(TREE, "tests", "scenarios")
    files = sorted(os.path.join(scen, f) for f in os.listdir(scen)
                   if f.endswith(".shm"))
    race = os.path.join(scen, "race")
    files += sorted(os.path.join(race, f) for f in os.listdir(race)
                    if f.endswith(".shm"))
    out = [("scenarios", [cli, "run", "--quiet"] + files)]
    tdir = os.path.join(BUILD, "tests")
    units = sorted(f for f in os.listdir(os.path.join(TREE, "tests"))
                   if re.fullmatch(r"test_\w+\.c", f))
    units = [u[:-2] for u in units]
    for u in [u for u in units if u not in UNIT_SLOW] + \
            [u for u in units if u in UNIT_SLOW]:
        out.append((u, [os.path.join(tdir, u)]))
    out.append(("ctest", ["ctest", "--test-dir", BUILD, "--stop-on-failure",
                          "-j2", "-E", CTEST_EXCLUDE]))
    return out


def run_suite(timeouts, order_hint=None):
    """(status, killer, seconds): status 'killed', 'timeout' or
    'survived'."""
    total = 0.0
    st_list = stages()
    if order_hint:
        st_list.sort(key=lambda s: -order_hint.get(s[0], 0))
    for name, argv in st_list:
        st, out, secs = sh(argv, timeout=timeouts.get(name, 120),
                           cwd=TREE)
        total += secs
        if st == "timeout":
            return "timeout", name, total
        if st != 0:
            return "killed", name, total
    return "survived", None, total


def baseline():
    """Build the pristine copy and time every stage; a stage's timeout is
    three times its baseline plus 20 s."""
    st, out, secs = build()
    if st != 0:
        sys.exit("mutate: the pristine tree does not build\n" + out[-3000:])
    missing = unbuilt_tests()
    if missing:
        sys.exit("mutate: no program built for the tests %s: add their "
                 "targets to build_targets()" % ", ".join(missing))
    timeouts = {}
    for name, argv in stages():
        st, out, secs = sh(argv, timeout=900, cwd=TREE)
        if st != 0:
            sys.exit("mutate: stage %s fails on the pristine tree\n%s" %
                     (name, out[-3000:]))
        timeouts[name] = 3 * secs + 20
    return timeouts


def load_results():
    res = {}
    if os.path.exists(RESULTS):
        with open(RESULTS) as f:
            for ln in f:
                ln = ln.strip()
                if ln:
                    r = json.loads(ln)
                    res[r["id"]] = r
    return res


def src_hash(files):
    h = hashlib.sha1()
    for f in sorted(files):
        with open(os.path.join(ROOT, f), "rb") as fh:
            h.update(f.encode() + b"\0" + fh.read())
    return h.hexdigest()[:12]


def tests_hash():
    h = hashlib.sha1()
    for f in tracked_files():
        if f.startswith(("tests/", "fuzz/regress/", "fuzz/corpus/")):
            p = os.path.join(ROOT, f)
            if os.path.isfile(p):
                with open(p, "rb") as fh:
                    h.update(f.encode() + b"\0" + fh.read())
    return h.hexdigest()[:12]


def cmd_run(args, mutants, texts):
    sync_tree()
    configure()
    tfile = os.path.join(SCRATCH, "timeouts.json")
    if args.skip_baseline and os.path.exists(tfile):
        # the suite passed on this copy before; time it no more
        st, out, _ = build()
        if st != 0:
            sys.exit("mutate: the pristine tree does not build\n" +
                     out[-3000:])
        with open(tfile) as f:
            timeouts = json.load(f)
    else:
        print("mutate: baseline build and suite ...", flush=True)
        timeouts = baseline()
        with open(tfile, "w") as f:
            json.dump(timeouts, f)
    print("mutate: stage timeouts: " + ", ".join(
        "%s %.0fs" % kv for kv in timeouts.items()), flush=True)
    done = load_results()
    th = tests_hash()
    kills = {}
    for r in done.values():
        if r.get("killer"):
            kills[r["killer"]] = kills.get(r["killer"], 0) + 1
    todo = [m for m in mutants if args.rerun or m.id not in done]
    print("mutate: %d mutants selected, %d to run" % (len(mutants),
                                                     len(todo)), flush=True)
    os.makedirs(SCRATCH, exist_ok=True)
    deadline = None
    if args.until:
        hh, mm = (int(x) for x in args.until.split(":"))
        now = datetime.datetime.now(datetime.timezone.utc)
        deadline = now.replace(hour=hh, minute=mm, second=0)
        if deadline < now:
            deadline += datetime.timedelta(days=1)
    if args.reverse:
        todo.reverse()
    for i, m in enumerate(todo):
        # another campaign sharing the results file (--reverse) may have
        # run it meanwhile
        if not args.rerun and m.id in load_results():
            continue
        if deadline and datetime.datetime.now(datetime.timezone.utc) >= \
                deadline:
            print("mutate: --until reached, stopping", flush=True)
            break
        dst = os.path.join(TREE, m.file)
        orig = texts[m.file]
        t0 = time.time()
        try:
            with open(dst, "w") as f:
                f.write(m.apply(orig))
            st, out, bsecs = build()
            if st != 0:
                status, killer, tsecs = "build-failed", None, 0.0
            else:
                status, killer, tsecs = run_suite(timeouts, kills)
        finally:
            with open(dst, "w") as f:
                f.write(orig)
        if killer:
            kills[killer] = kills.get(killer, 0) + 1
        rec = m.record()
        rec.update({"status": status, "killer": killer,
                    "seconds": round(time.time() - t0, 1), "tests": th,
                    "date": datetime.datetime.now(
                        datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")})
        with open(RESULTS, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print("[%d/%d] %-40s %-12s %-16s %5.1fs  %s" % (
            i + 1, len(todo), m.id, status, killer or "",
            rec["seconds"], m.desc), flush=True)
    # leave the copy built from the pristine sources
    build()


# ------------------------------------------------------------- report

def load_equivalents(path):
    """Lines 'ID  reason' (tools/mutate/equivalent.txt)."""
    eq = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for ln in f:
                ln = ln.rstrip("\n")
                if not ln.strip() or ln.startswith("#"):
                    continue
                parts = ln.split(None, 1)
                eq[parts[0]] = parts[1] if len(parts) > 1 else ""
    return eq


def cmd_report(args, mutants):
    res = load_results()
    eq = load_equivalents(args.equivalents)
    ids = {m.id for m in mutants}
    rows = {}
    survivors = []
    enumerated = {}
    for m in mutants:
        enumerated[m.file] = enumerated.get(m.file, 0) + 1
    for m in mutants:
        r = res.get(m.id)
        if r is None:
            continue
        row = rows.setdefault(m.file, {"mutants": 0, "killed": 0,
                                       "timeout": 0, "survived": 0,
                                       "equivalent": 0, "build": 0,
                                       "enumerated": enumerated[m.file]})
        st = r["status"]
        if st == "build-failed":
            row["build"] += 1
            continue
        row["mutants"] += 1
        if st == "killed":
            row["killed"] += 1
        elif st == "timeout":
            row["timeout"] += 1
        elif m.id in eq:
            row["equivalent"] += 1
        else:
            row["survived"] += 1
            survivors.append((m, r))
    lines = []
    lines.append("| file | enumerated | run | killed | timeout | "
                 "equivalent | survived | build failed | score |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    tot = {"mutants": 0, "killed": 0, "timeout": 0, "survived": 0,
           "equivalent": 0, "build": 0, "enumerated": 0}
    for f in sorted(rows):
        row = rows[f]
        for k in tot:
            tot[k] += row[k]
        lines.append(fmt_row(f, row))
    lines.append(fmt_row("**total**", tot))
    lines.append("")
    lines.append("Enumerated: the file's mutants in the selection; run: "
                 "those with a result.  Score: (killed + timeout) / (run - "
                 "build failed - equivalent).")
    lines.append("")
    lines.append("Surviving mutants (%d):" % len(survivors))
    lines.append("")
    notes = load_equivalents(args.notes)
    for m, r in survivors:
        lines.append("- `%s` %s:%d (%s): %s -- `%s`" % (
            m.id, m.file, m.line, m.func, m.desc, m.text))
        if m.id in notes:
            lines.append("  - " + notes[m.id])
    unused = sorted(set(eq) - ids)
    if unused and args.verbose:
        lines.append("")
        lines.append("Equivalent ids not among the selected mutants: " +
                     ", ".join(unused))
    print("\n".join(lines))


def fmt_row(name, row):
    den = row["mutants"] - row["equivalent"]
    score = 100.0 * (row["killed"] + row["timeout"]) / den if den else 0.0
    return "| %s | %d | %d | %d | %d | %d | %d | %d | %.1f %% |" % (
        name, row["enumerated"], row["mutants"] + row["build"],
        row["killed"], row["timeout"],
        row["equivalent"], row["survived"], row["build"], score)


def cmd_selftest(args, mutants, texts):
    """Checks of the enumeration that need no build: ids unique, every
    mutant changes its file and only inside a function it names, never
    inside a comment, a string or a KASSERT, sampling repeatable.  0 when
    all hold."""
    bad = []
    no_go = {}
    for f, text in texts.items():
        spans = [(t[1], t[2]) for t in lex(text)
                 if t[0] in ("skip", "str", "pp")]
        for mm in re.finditer(r"\b(KASSERT|panic)\s*\(", text):
            depth, j = 0, mm.end() - 1
            while j < len(text):
                if text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            spans.append((mm.start(), j))
        no_go[f] = spans
    ids = [m.id for m in mutants]
    if len(set(ids)) != len(ids):
        bad.append("duplicate ids")
    for m in mutants:
        text = texts[m.file]
        mut = m.apply(text)
        if mut == text:
            bad.append("%s changes nothing" % m.id)
        for (a, b, rep) in m.edits:
            if any(s0 <= a < e0 for (s0, e0) in no_go[m.file]):
                bad.append("%s edits a comment, a string or a KASSERT: %s"
                           % (m.id, m.text))
        if not m.func:
            bad.append("%s is outside a function" % m.id)
    ops = {m.op for m in mutants}
    for op in OPS:
        if op not in ops and not args.op and not args.file:
            bad.append("no %s mutant at all" % op)
    args2 = argparse.Namespace(ids=None, survivors=False, sample=20, seed=3)
    a = [m.id for m in select(list(mutants), args2)]
    b = [m.id for m in select(list(mutants), args2)]
    if a != b or len(a) != min(20, len(mutants)):
        bad.append("sampling is not repeatable")
    for ln in bad:
        print("selftest: " + ln)
    print("selftest: %d mutants, %s" % (len(mutants),
                                        "FAIL" if bad else "ok"))
    return 1 if bad else 0


# ------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(
        prog="mutate.py",
        description="Mutation testing of shmsim's kernel files.")
    ap.add_argument("command", nargs="?", default="run",
                    choices=["run", "list", "report", "count",
                             "selftest"])
    ap.add_argument("--file", action="append",
                    help="a file to mutate (repeatable; default: the "
                    "kernel files)")
    ap.add_argument("--op", action="append", choices=OPS,
                    help="only these operators (repeatable)")
    ap.add_argument("--sample", type=int, default=0,
                    help="run N mutants drawn at random (with --seed)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ids", action="append",
                    help="only these mutant ids, or a file of ids "
                    "(first word of each line)")
    ap.add_argument("--rerun", action="store_true",
                    help="run mutants again even when they have a result")
    ap.add_argument("--survivors", action="store_true",
                    help="only the mutants whose last result is survived "
                    "(with --rerun: check them against new tests)")
    ap.add_argument("--asan", action="store_true",
                    help="build the scratch copy with ASan + UBSan, as "
                    "CI's asan stage (use its own --scratch)")
    ap.add_argument("--release", action="store_true",
                    help="build the scratch copy as CI's Release stage (no "
                    "INVARIANTS: the code only such a build runs, such as "
                    "the locks' fast paths; use its own --scratch)")
    ap.add_argument("--scratch", help="scratch directory (default "
                    "build/mutate): its tree/ is the mutated copy")
    ap.add_argument("--reverse", action="store_true",
                    help="run the selected mutants last first (a second "
                    "campaign on the same --results meets the first in "
                    "the middle)")
    ap.add_argument("--skip-baseline", action="store_true",
                    help="reuse the stage timings of the last baseline of "
                    "this scratch copy instead of running the suite first "
                    "(for small reruns; stages new since then get 120 s)")
    ap.add_argument("--until", metavar="HH:MM",
                    help="stop starting mutants at this UTC time")
    ap.add_argument("--equivalents",
                    default=os.path.join(ROOT, "tools", "mutate",
                                         "equivalent.txt"))
    ap.add_argument("--notes",
                    default=os.path.join(ROOT, "tools", "mutate",
                                         "survivors.txt"),
                    help="what is known of a surviving mutant: lines 'ID "
                    "note', printed under it by report")
    ap.add_argument("--results", help="results file (default "
                    "build/mutate/results.jsonl)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    global RESULTS, SCRATCH, TREE, BUILD, ASAN, RELEASE
    ASAN = args.asan
    RELEASE = args.release
    if ASAN and RELEASE:
        sys.exit("mutate: --asan and --release are separate builds")
    if args.scratch:
        SCRATCH = os.path.abspath(args.scratch)
        TREE = os.path.join(SCRATCH, "tree")
        BUILD = os.path.join(TREE, "build")
        RESULTS = os.path.join(SCRATCH, "results.jsonl")
    if args.results:
        RESULTS = os.path.abspath(args.results)
    files = []
    for f in args.file or KERNEL_FILES:
        if not f.startswith("src/"):
            f = "src/" + f
        files.append(f)
    ops = args.op or OPS
    mutants, texts = enumerate_all(files, ops)
    mutants = select(mutants, args)
    if args.command == "list":
        for m in mutants:
            print("%s\t%s\t%s" % (m.id, m.desc, m.text))
    elif args.command == "count":
        per = {}
        for m in mutants:
            per.setdefault(m.file, {}).setdefault(m.op, 0)
            per[m.file][m.op] += 1
        for f in sorted(per):
            print("%-22s %5d  %s" % (f, sum(per[f].values()), " ".join(
                "%s=%d" % kv for kv in sorted(per[f].items()))))
        print("%-22s %5d" % ("total", len(mutants)))
    elif args.command == "report":
        cmd_report(args, mutants)
    elif args.command == "selftest":
        sys.exit(cmd_selftest(args, mutants, texts))
    else:
        cmd_run(args, mutants, texts)


if __name__ == "__main__":
    main()
