#!/usr/bin/env python3
"""Mutation testing of src/ (`make mutate`, docs/mutation.md).

For each file given (default: the kernel files, KERNEL_FILES below),
applies generic mutants one at a time to a copy of the file -- a
relational operator moved across its boundary, a condition negated, a
reference or lock call deleted, an errno swapped for another, a `+ 1` or
`- 1` dropped -- and runs a fast subset of the ctest suite against a
build with that mutant: the file's copy is compiled with the real
build's command (compile_commands.json, without -Werror), put in a copy
of libshmsim.a in place of the original object, and each suite
executable a test needs is relinked with it (the link lines of
build.ninja).  A mutant is killed when a test fails (non-zero exit,
crash, panic) or times out, survives when every test passes, and is
stillborn when it does not compile (not counted).

The subset is the suite without the slowest tests (SLOW below; --all
keeps them) and without the planted tests, fastest kinds first; each
mutant stops at its first failing test.  Prints the score per file,
killed / (killed + survived), and every survivor (file:line, operator,
the mutated line).  Exit status 0; 2 on a usage or build error.

src/ is never written: mutants live in BUILD/mutate/.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'planted'))
import run_planted  # noqa: E402  (read_suite)

# The files that model kernel code (docs/kernel-map.md); the rest of
# src/ is the model's own machinery (audit, dump, fault plan, ...).
KERNEL_FILES = [
    'src/fdtable.c', 'src/jail.c', 'src/proc.c', 'src/shm_attr.c',
    'src/shm_io.c', 'src/shm_largepage.c', 'src/shm_mmap.c',
    'src/shm_ns.c', 'src/shm_rename.c', 'src/swap_pager.c',
    'src/syscalls.c', 'src/uipc_rights.c', 'src/vm_fault.c',
    'src/vm_map.c', 'src/vm_mmap.c', 'src/vm_object.c',
]
# Left out of the default subset: seconds each, run for every survivor.
SLOW = {'test_stress', 'fault_loop', 'explore/seal_vs_mmap'}
# A mutant that makes a test run this many times longer than the real
# build did is a hang: killed by timeout.
TIMEOUT_FACTOR = 10
TIMEOUT_MIN = 5.0

ERRNOS = ['EINVAL', 'EBADF', 'EACCES', 'EPERM', 'ENOENT', 'EEXIST',
          'ENOMEM', 'EMFILE', 'EFBIG', 'EBUSY', 'ENOSPC', 'EFAULT',
          'ENAMETOOLONG', 'EOVERFLOW', 'ENOTTY', 'ENOTSUP', 'EAGAIN']
# Calls whose deletion is a dropped reference or lock operation.
REFLOCK = re.compile(
    r'^\s*(\(void\)\s*)?'
    r'(refcount_\w+|shm_hold|shm_drop|fhold|fdrop|_fdrop|'
    r'vm_object_reference\w*|vm_object_deallocate|crhold|crfree|'
    r'prison_hold|prison_free|'
    r'mtx_lock|mtx_unlock|sx_xlock|sx_xunlock|sx_slock|sx_sunlock|'
    r'rw_wlock|rw_wunlock|rw_rlock|rw_runlock|'
    r'rangelock_\w+|VM_OBJECT_\w+|FILEDESC_\w+|vm_map_lock\w*|'
    r'vm_map_unlock\w*|PROC_LOCK|PROC_UNLOCK|'
    r'vm_pager_update_writecount|vm_pager_release_writecount|'
    r'swap_reserve_by_cred|swap_release_by_cred)\s*\(.*\);\s*$')
SKIP_LINE = re.compile(r'KASSERT|panic\(|printf|SCHED_POINT|WITNESS|XXX')


def code_spans(lines):
    """For each line, the list of (start, end) spans that are code: not
    inside a comment, string or character literal.  None for lines
    that are preprocessor directives or entirely comment."""
    out = []
    in_comment = False
    for line in lines:
        if not in_comment and line.lstrip().startswith('#'):
            out.append(None)
            continue
        spans, i, start, n = [], 0, None, len(line)
        while i < n:
            if in_comment:
                j = line.find('*/', i)
                if j < 0:
                    i = n
                    break
                in_comment = False
                i = j + 2
                continue
            if start is None:
                start = i
            c = line[i]
            if line.startswith('/*', i):
                spans.append((start, i))
                start = None
                in_comment = True
                i += 2
            elif line.startswith('//', i):
                spans.append((start, i))
                start = None
                i = n
            elif c in '"\'':
                spans.append((start, i))
                start = None
                q, i = c, i + 1
                while i < n and line[i] != q:
                    i += 2 if line[i] == '\\' else 1
                i += 1
            else:
                i += 1
        if start is not None:
            spans.append((start, n))
        spans = [(a, b) for a, b in spans if line[a:b].strip()]
        out.append(spans or None)
    return out


def in_spans(spans, a, b):
    return any(s <= a and b <= e for s, e in spans)


def matching_paren(line, i):
    depth = 0
    for j in range(i, len(line)):
        if line[j] == '(':
            depth += 1
        elif line[j] == ')':
            depth -= 1
            if depth == 0:
                return j
    return None


def mutants(lines):
    """Yield (lineno, operator, new_line) for every mutant of the file."""
    spans = code_spans(lines)
    depth = 0
    for no, line in enumerate(lines, 1):
        sp = spans[no - 1]
        body = depth > 0
        depth += sum(line[a:b].count('{') - line[a:b].count('}')
                     for a, b in (sp or []))
        if sp is None or not body or SKIP_LINE.search(line):
            continue
        # Relational operators, moved across their boundary.
        for m in re.finditer(r'(?<![<>=!-])(<=|>=|==|!=|<|>)(?![<>=])',
                             line):
            a, b = m.span()
            if not in_spans(sp, a, b) or line[a - 1:a + 1] == '->':
                continue
            op = m.group(1)
            new = {'<': '<=', '<=': '<', '>': '>=', '>=': '>',
                   '==': '!=', '!=': '=='}[op]
            yield no, 'rel %s->%s' % (op, new), line[:a] + new + line[b:]
        # Negated conditions (a condition on one line only).
        for m in re.finditer(r'\b(if|while)\s*\(', line):
            a = m.end() - 1
            if not in_spans(sp, m.start(), a + 1):
                continue
            e = matching_paren(line, a)
            if e is None:
                continue
            yield no, 'negate %s' % m.group(1), \
                line[:a + 1] + '!(' + line[a + 1:e] + ')' + line[e:]
        # Deleted reference and lock calls.
        if REFLOCK.match(line):
            name = REFLOCK.match(line).group(2)
            indent = line[:len(line) - len(line.lstrip())]
            yield no, 'delete %s' % name, indent + '(void)0;\n'
        # Swapped errno constants.
        for m in re.finditer(r'\b(E[A-Z]{3,})\b', line):
            if m.group(1) not in ERRNOS or not in_spans(sp, *m.span()):
                continue
            new = ERRNOS[(ERRNOS.index(m.group(1)) + 1) % len(ERRNOS)]
            yield no, 'errno %s->%s' % (m.group(1), new), \
                line[:m.start()] + new + line[m.end():]
        # Off by one: a "+ 1" or "- 1" dropped.
        for m in re.finditer(r' ([+-]) 1\b(?!\.)', line):
            if not in_spans(sp, *m.span()):
                continue
            yield no, 'drop %s 1' % m.group(1), \
                line[:m.start()] + line[m.end():]


def compile_command(build, src):
    with open(os.path.join(build, 'compile_commands.json')) as fh:
        for e in json.load(fh):
            if os.path.realpath(e['file']) == os.path.realpath(src):
                return shlex.split(e['command']), e['directory']
    sys.exit('mutate.py: %s is not in %s/compile_commands.json' %
             (src, build))


def link_lines(build):
    """executable (absolute) -> (objects, link libraries, flags)."""
    links = {}
    with open(os.path.join(build, 'build.ninja')) as fh:
        cur = None
        for line in fh:
            m = re.match(r'build (\S+): C_EXECUTABLE_LINKER__\S+ ([^|]*)',
                         line)
            if m:
                cur = os.path.join(build, m.group(1))
                links[cur] = {'objs': m.group(2).split(), 'libs': [],
                              'flags': []}
                continue
            if cur and line.startswith('  LINK_LIBRARIES = '):
                links[cur]['libs'] = line.split('=', 1)[1].split()
            elif cur and line.startswith('  FLAGS = '):
                links[cur]['flags'] = line.split('=', 1)[1].split()
            elif not line.startswith('  '):
                cur = None
    return links


class Mutant:
    """One mutant build under BUILD/mutate/."""

    def __init__(self, build, work, cc, cc_dir, obj_name, links):
        self.build, self.work = build, work
        self.cc, self.cc_dir = cc, cc_dir
        self.obj_name, self.links = obj_name, links
        self.exes = {}

    def prepare(self, text, src_name):
        if os.path.isdir(self.work):
            shutil.rmtree(self.work)
        os.makedirs(self.work)
        src = os.path.join(self.work, src_name)
        with open(src, 'w') as fh:
            fh.write(text)
        cmd = list(self.cc)
        o = cmd.index('-o')
        obj = os.path.join(self.work, self.obj_name)
        cmd[o + 1] = obj
        cmd[-1] = src
        cmd = [a for a in cmd if a != '-Werror'] + ['-Wno-error', '-w']
        r = subprocess.run(cmd, cwd=self.cc_dir, capture_output=True)
        if r.returncode != 0:
            return False
        lib = os.path.join(self.work, 'libshmsim.a')
        shutil.copy(os.path.join(self.build, 'libshmsim.a'), lib)
        r = subprocess.run(['ar', 'r', lib, obj], capture_output=True)
        if r.returncode != 0:
            sys.exit('mutate.py: ar failed: %s' % r.stderr.decode())
        self.exes = {}
        return True

    def exe(self, real):
        """The mutant's copy of the real executable (linked on demand),
        or None if it does not link libshmsim.a."""
        if real in self.exes:
            return self.exes[real]
        ln = self.links.get(real)
        if ln is None or 'libshmsim.a' not in ln['libs']:
            self.exes[real] = None
            return None
        out = os.path.join(self.work, os.path.basename(real))
        libs = [os.path.join(self.work, 'libshmsim.a') if a == 'libshmsim.a'
                else a for a in ln['libs']]
        cmd = (['gcc'] + ln['flags'] + ln['objs'] + ['-o', out] + libs +
               ['-pthread'])
        r = subprocess.run(cmd, cwd=self.build, capture_output=True)
        if r.returncode != 0:
            sys.exit('mutate.py: linking %s failed:\n%s' %
                     (out, r.stderr.decode()[-4000:]))
        self.exes[real] = out
        return out


def subset(build, keep_slow):
    suite = run_planted.read_suite(build)
    tests = [t for t in suite if keep_slow or t['name'] not in SLOW]

    def cost(t):
        n = t['name']
        if n.startswith('scenario/all'):
            return 0
        if n.startswith('test_'):
            return 1
        if n.startswith('explore/'):
            return 3
        if n.startswith('fault_loop'):
            return 4
        return 2
    return sorted(tests, key=cost)


def command_for(test, mut):
    cmd, used = [], False
    for arg in test['command']:
        m = re.match(r'(-D\w+=)(.*)$', arg)
        path = m.group(2) if m else arg
        exe = mut.exe(path) if os.path.isabs(path) and \
            os.access(path, os.X_OK) and not os.path.isdir(path) else None
        if exe is not None:
            used = True
            arg = (m.group(1) + exe) if m else exe
        cmd.append(arg)
    return cmd if used else None


def baseline(tests):
    """Run the real build's subset once: every test must pass; its time
    sets each test's timeout."""
    for t in tests:
        start = time.monotonic()
        r = subprocess.run(t['command'], cwd=t['cwd'],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if r.returncode != 0:
            sys.exit('mutate.py: %s fails on the real build' % t['name'])
        t['timeout'] = max(TIMEOUT_MIN,
                           TIMEOUT_FACTOR * (time.monotonic() - start))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default='build/default')
    ap.add_argument('--all', action='store_true',
                    help='keep the slow tests in the subset')
    ap.add_argument('--list', action='store_true',
                    help='only list the mutants')
    ap.add_argument('--max', type=int, default=0,
                    help='at most this many mutants per file (every '
                    'k-th, evenly spread)')
    ap.add_argument('files', nargs='*', help='default: the kernel files')
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    files = args.files or KERNEL_FILES

    if not args.list:
        tests = subset(build, args.all)
        baseline(tests)
        links = link_lines(build)
    total_k = total_s = 0
    report = []
    t0 = time.monotonic()
    for f in files:
        src = os.path.join(ROOT, f)
        with open(src) as fh:
            lines = fh.readlines()
        muts = list(mutants(lines))
        if args.max and len(muts) > args.max:
            step = len(muts) / args.max
            muts = [muts[int(i * step)] for i in range(args.max)]
        if args.list:
            for no, op, new in muts:
                print('%s:%d: %s: %s' % (f, no, op, new.strip()))
            print('%s: %d mutants' % (f, len(muts)))
            continue
        cc, cc_dir = compile_command(build, src)
        obj_name = os.path.basename(cc[cc.index('-o') + 1])
        mut = Mutant(build, os.path.join(build, 'mutate', 'work'), cc,
                     cc_dir, obj_name, links)
        # The control: the file as it is, through the same pipeline,
        # must pass every test (else every mutant would look killed).
        if not mut.prepare(''.join(lines), os.path.basename(src)):
            sys.exit('mutate.py: %s does not compile as a mutant' % f)
        for t in tests:
            cmd = command_for(t, mut)
            if cmd is None:
                continue
            r = subprocess.run(cmd, cwd=t['cwd'], capture_output=True,
                               timeout=t['timeout'])
            if r.returncode != 0:
                sys.exit('mutate.py: %s fails on the unmutated copy of %s:'
                         '\n%s' % (t['name'], f,
                                   (r.stdout + r.stderr).decode()[-3000:]))
        killed = survived = stillborn = timeouts = 0
        survivors = []
        for no, op, new in muts:
            text = ''.join(lines[:no - 1]) + new + ''.join(lines[no:])
            if not mut.prepare(text, os.path.basename(src)):
                stillborn += 1
                continue
            by = None
            for t in tests:
                cmd = command_for(t, mut)
                if cmd is None:
                    continue
                try:
                    r = subprocess.run(cmd, cwd=t['cwd'],
                                       stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL,
                                       timeout=t['timeout'])
                    failed = r.returncode != 0
                except subprocess.TimeoutExpired:
                    failed, timeouts = True, timeouts + 1
                if failed:
                    by = t['name']
                    break
            if by is None:
                survived += 1
                survivors.append((no, op, new.strip()))
            else:
                killed += 1
        n = killed + survived
        score = 100.0 * killed / n if n else 100.0
        total_k += killed
        total_s += survived
        report.append((f, killed, survived, stillborn, timeouts, score,
                       survivors))
        print('%s: %d mutants, %d killed (%d by timeout), %d survived, '
              '%d stillborn: score %.1f %%' %
              (f, len(muts), killed, timeouts, survived, stillborn, score),
              flush=True)
        for no, op, new in survivors:
            print('  survived %s:%d: %s: %s' % (f, no, op, new))
    if not args.list and len(report) > 1:
        n = total_k + total_s
        print('all files: %d killed, %d survived: score %.1f %% in %.0f s' %
              (total_k, total_s, 100.0 * total_k / n if n else 100.0,
               time.monotonic() - t0))
    elif not args.list:
        print('in %.0f s' % (time.monotonic() - t0))
    if not args.list:
        shutil.rmtree(os.path.join(build, 'mutate'), ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
