#!/usr/bin/env python3
"""Run the test suite against every planted defect (`make planted`).

Each tests/planted/NAME.patch is a faulty kernel commit; the build has a
variant of the model with it applied (tests/planted/CMakeLists.txt,
cmake/patched.cmake).  For each variant this runs the ctest suite's own
test commands (`ctest --show-only=json-v1`), with every real executable
(shmsim, the unit tests, fault_loop, the fuzz replays) swapped for the
variant's, and calls the defect caught when a test fails (non-zero exit,
a crash, or a timeout).  Tests labelled `planted` are not part of the
suite here, and a test none of whose executables has a variant cannot
see the defect, so it is skipped.

The tests named on the patch's `Caught-by:` line run first; the defect
counts as caught when one of them fails.  If none does, the rest of the
suite runs until a test fails, and the declaration is reported wrong
(the run fails: the patch's header and docs/planted-bugs.md say which
test catches each defect, and must stay true).  --full runs the whole
suite against every variant and lists every test that fails.

Prints one line per defect and `caught N / TOTAL`; exits 1 below 100 %
or on a wrong declaration, 2 on a usage or build error.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Longest a single test may run against a variant.  A defect that makes
# a test hang is caught by the timeout.
TIMEOUT_CAP = 120.0


def read_patches(names):
    """name -> {'subject', 'caught_by': [...], 'modelled_on'}"""
    plants = {}
    for f in sorted(os.listdir(HERE)):
        if not f.endswith('.patch'):
            continue
        name = f[:-len('.patch')]
        if names and name not in names:
            continue
        info = {'subject': '', 'caught_by': [], 'modelled_on': ''}
        with open(os.path.join(HERE, f)) as fh:
            for line in fh:
                if line.startswith('diff --git'):
                    break
                m = re.match(r'Subject: (?:\[PATCH\] )?(.*)', line)
                if m:
                    info['subject'] = m.group(1).strip()
                m = re.match(r'Caught-by: (.*)', line)
                if m:
                    info['caught_by'] += m.group(1).split()
                m = re.match(r'Modelled-on: (.*)', line)
                if m:
                    info['modelled_on'] = m.group(1).strip()
        plants[name] = info
    missing = set(names or []) - set(plants)
    if missing:
        sys.exit('run_planted.py: no tests/planted/%s.patch' %
                 ', '.join(sorted(missing)))
    return plants


def read_map(build):
    """name -> {real executable: (variant target, path to run)}.

    The path to run is a symbolic link with the real program's name
    (build/planted/NAME/bin/shmsim -> the variant's shmsim), so that a
    test that looks at the program's name in its output (shmsim prints
    "shmsim explore --replay TOKEN") sees the same name as with the real
    build."""
    path = os.path.join(build, 'planted', 'map.tsv')
    if not os.path.exists(path):
        sys.exit('run_planted.py: %s missing: configure %s first '
                 '(a Debug build)' % (path, build))
    m = {}
    with open(path) as fh:
        for line in fh:
            name, real, target, exe = line.rstrip('\n').split('\t')
            bindir = os.path.join(build, 'planted', name, 'bin')
            os.makedirs(bindir, exist_ok=True)
            link = os.path.join(bindir, os.path.basename(real))
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(exe, link)
            m.setdefault(name, {})[real] = (target, link)
    return m


def read_suite(build):
    out = subprocess.run(['ctest', '--test-dir', build,
                          '--show-only=json-v1'],
                         capture_output=True, text=True, check=True).stdout
    suite = []
    for t in json.loads(out)['tests']:
        props = {p['name']: p['value'] for p in t.get('properties', [])}
        if 'planted' in props.get('LABELS', []):
            continue
        if 'command' not in t:
            continue
        suite.append({'name': t['name'], 'command': t['command'],
                      'cwd': props.get('WORKING_DIRECTORY', build),
                      'timeout': min(float(props.get('TIMEOUT', 60)),
                                     TIMEOUT_CAP),
                      'will_fail': props.get('WILL_FAIL', False)})
    return suite


def variant_command(test, exes):
    """The test's command with the real executables swapped for the
    variant's, and the targets it needs; None if nothing was swapped."""
    cmd, targets = [], []
    for arg in test['command']:
        new = arg
        if arg in exes:
            new = exes[arg][1]
            targets.append(exes[arg][0])
        else:
            m = re.match(r'(-D\w+=)(.*)$', arg)
            if m and m.group(2) in exes:
                new = m.group(1) + exes[m.group(2)][1]
                targets.append(exes[m.group(2)][0])
        cmd.append(new)
    if not targets:
        return None
    return cmd, targets


def build(builddir, targets, jobs):
    targets = sorted(set(targets))
    if not targets:
        return
    r = subprocess.run(['cmake', '--build', builddir, '-j', str(jobs),
                        '--target'] + targets,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-20000:] + r.stderr[-20000:])
        sys.exit('run_planted.py: building the planted variants failed')


def run_test(test, cmd):
    """True when the test fails (the defect is seen)."""
    start = time.monotonic()
    try:
        r = subprocess.run(cmd, cwd=test['cwd'], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT,
                           timeout=test['timeout'])
        failed = r.returncode != 0
        out = r.stdout.decode(errors='replace')
    except subprocess.TimeoutExpired as e:
        failed = True
        out = (e.stdout or b'').decode(errors='replace') + '\n(timeout)'
    if test['will_fail']:
        failed = not failed
    return failed, time.monotonic() - start, out


def first_line_of_interest(out):
    for pat in (r'panic: .*', r'.*FAIL.*', r'.*\[  FAILED  \].*',
                r'.*error.*', r'.*audit.*'):
        m = re.search(pat, out)
        if m:
            return m.group(0).strip()[:100]
    return out.strip().splitlines()[-1][:100] if out.strip() else ''


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default='build/default',
                    help='the build directory (default build/default)')
    ap.add_argument('--full', action='store_true',
                    help='run the whole suite against every variant')
    ap.add_argument('-j', '--jobs', type=int, default=2)
    ap.add_argument('-v', '--verbose', action='store_true',
                    help="print the catching test's output")
    ap.add_argument('names', nargs='*', help='only these defects')
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)

    plants = read_patches(args.names)
    vmap = read_map(args.build)
    suite = read_suite(args.build)
    by_name = {t['name']: t for t in suite}
    for name, info in plants.items():
        if name not in vmap:
            sys.exit('run_planted.py: %s has no variant in %s: reconfigure'
                     % (name, args.build))
        for t in info['caught_by']:
            if t not in by_name:
                sys.exit('run_planted.py: %s.patch: Caught-by names %s, '
                         'which is not a test of the suite' % (name, t))

    def plan(name, tests):
        out = []
        for t in tests:
            vc = variant_command(t, vmap[name])
            if vc is not None:
                out.append((t, vc[0], vc[1]))
        return out

    results = {}
    t0 = time.monotonic()
    # Phase 1: the declared tests.
    first = {n: plan(n, [by_name[t] for t in i['caught_by']])
             for n, i in plants.items()}
    build(args.build, [tg for p in first.values() for _, _, ts in p
                       for tg in ts], args.jobs)
    for name in plants:
        caught = []
        for t, cmd, _ in first[name]:
            failed, secs, out = run_test(t, cmd)
            if failed:
                caught.append((t['name'], secs, out))
                if not args.full:
                    break
        results[name] = caught
    # Phase 2: the rest of the suite, for the defects the declared tests
    # missed (all of them with --full).
    rest = [n for n in plants if args.full or not results[n]]
    if rest:
        later = {}
        for name in rest:
            declared = set(plants[name]['caught_by'])
            later[name] = plan(name, [t for t in suite
                                      if t['name'] not in declared])
        build(args.build, [tg for p in later.values() for _, _, ts in p
                           for tg in ts], args.jobs)
        for name in rest:
            for t, cmd, _ in later[name]:
                failed, secs, out = run_test(t, cmd)
                if failed:
                    results[name].append((t['name'], secs, out))
                    if not args.full:
                        break

    ncaught, bad_decl = 0, []
    width = max(len(n) for n in plants) if plants else 0
    for name, info in plants.items():
        caught = results[name]
        declared = [c for c in caught if c[0] in info['caught_by']]
        if caught:
            ncaught += 1
        if caught and not declared:
            bad_decl.append(name)
        if not caught:
            print('MISSED  %-*s  %s' % (width, name, info['subject']))
            continue
        tests = ', '.join(c[0] for c in caught)
        mark = 'caught' if declared else 'CAUGHT'
        print('%s  %-*s  by %s' % (mark, width, name, tests))
        print('        %-*s  %s' % (width, '', first_line_of_interest(
            caught[0][2])))
        if args.verbose:
            sys.stdout.write(caught[0][2])
    total = len(plants)
    pct = 100.0 * ncaught / total if total else 100.0
    print('caught %d / %d (%.0f %%) in %.0f s' %
          (ncaught, total, pct, time.monotonic() - t0))
    for name in bad_decl:
        print('%s.patch: Caught-by %s did not catch it; the suite did: '
              'correct the declaration' %
              (name, ' '.join(plants[name]['caught_by'])))
    return 0 if ncaught == total and not bad_decl else 1


if __name__ == '__main__':
    sys.exit(main())
