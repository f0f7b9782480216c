#!/usr/bin/env python3
"""Bring planted defects up to date with src/ after src/ changed.

    python3 tests/planted/refresh.py [NAME ...]

For each tests/planted/NAME.patch (all of them by default) that `git
apply --check` refuses, apply it with `git apply -3` -- a three-way
merge from the blobs its `index` lines name, which git has as long as
the patch was made from a committed src/ -- and, if that merges cleanly,
rewrite the patch: its header unchanged, its diff taken afresh against
HEAD.  src/ and the index are restored after each patch.  A patch that
does not merge cleanly is left as it is and reported: refresh it by hand
(docs/planted-bugs.md, "Adding a plant").

Needs a clean src/ (no uncommitted changes).  Exit status 0 when every
patch applies afterwards, 1 otherwise.
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
HERE = os.path.join(ROOT, 'tests', 'planted')


def git(*args, check=True):
    return subprocess.run(['git'] + list(args), cwd=ROOT, check=check,
                          capture_output=True, text=True)


def restore():
    git('reset', '-q', '--', 'src')
    git('checkout', '-q', '--', 'src')


def main():
    names = sys.argv[1:] or sorted(
        f[:-len('.patch')] for f in os.listdir(HERE) if f.endswith('.patch'))
    if git('status', '--porcelain', '--', 'src').stdout.strip():
        sys.exit('refresh.py: src/ has uncommitted changes; commit or '
                 'stash them first')
    failed = []
    for name in names:
        path = os.path.join(HERE, name + '.patch')
        if git('apply', '--check', path, check=False).returncode == 0:
            continue
        with open(path) as fh:
            text = fh.read()
        i = text.find('\ndiff --git ')
        if i < 0:
            failed.append((name, 'no "diff --git" in the patch'))
            continue
        header = text[:i + 1]
        r = git('apply', '-3', path, check=False)
        conflicted = git('diff', '--name-only', '--diff-filter=U', '--',
                         'src').stdout.strip()
        if r.returncode != 0 or conflicted:
            restore()
            failed.append((name, (r.stderr or r.stdout).strip()))
            continue
        diff = git('diff', 'HEAD', '--', 'src').stdout
        restore()
        if not diff:
            failed.append((name, 'the merge left no change: the defect '
                           'is gone from the patch'))
            continue
        with open(path, 'w') as fh:
            fh.write(header + diff)
        print('refreshed %s' % name)
    for name, why in failed:
        print('%s.patch: not refreshed, do it by hand:\n  %s' %
              (name, why.replace('\n', '\n  ')))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
