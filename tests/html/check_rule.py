#!/usr/bin/python3
"""The rule the page's legend teaches, checked on every picture.

usage: check_rule.py DIR

Every page in DIR (shmsim run --html of the suite, made by the html/suite
test) holds its pictures as Graphviz SVG.  Between two statements no call
is in progress, so every reference count of every box -- f_count,
shm_refs, ref_count -- must equal the number of arrows into the box
(arrows of what the step freed, drawn grey, not counted).  Fails listing
the boxes where it does not.
"""
import base64
import collections
import glob
import html
import os
import re
import sys
import zlib

EDGE = re.compile(r'<g id="[^"]*" class="edge( ghost)?">\s*<title>(.*?)'
                  r'</title>')
NODE = re.compile(r'<g id="[^"]*" class="node( ghost)?">\s*<title>(.*?)'
                  r'</title>(.*?)</g>', re.S)
COUNT = re.compile(r'>(f_count|shm_refs|ref_count) ([0-9]+)<')


def pictures(page):
    with open(page, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r'<script type="application/octet-stream" id="svgs" '
                  r'data-z="deflate">(.*?)</script>', text, re.S)
    if m:
        text = zlib.decompress(base64.b64decode(m.group(1))).decode()
    else:
        m = re.search(r'<script type="text/plain" id="svgs">(.*?)</script>',
                      text, re.S)
        text = m.group(1)
    return text.split("</svg>")[:-1]


def main():
    pages = sorted(glob.glob(os.path.join(sys.argv[1], "*.html")))
    graphs = counts = 0
    bad = []
    for page in pages:
        for svg in pictures(page):
            graphs += 1
            into = collections.Counter()
            for e in EDGE.finditer(svg):
                if not e.group(1):
                    into[html.unescape(e.group(2)).split("->")[1]] += 1
            for n in NODE.finditer(svg):
                if n.group(1):
                    continue
                for c in COUNT.finditer(n.group(3)):
                    counts += 1
                    if int(c.group(2)) != into[n.group(2)]:
                        bad.append("%s: box %s: %s %s, %d arrows" % (
                            os.path.basename(page), n.group(2), c.group(1),
                            c.group(2), into[n.group(2)]))
    print("%d pages, %d pictures, %d counts checked" % (len(pages), graphs,
                                                         counts))
    if len(pages) < 100 or counts < 1000:
        print("FAIL: too few pages or counts: did html/suite run?")
        return 1
    for b in bad[:50]:
        print("FAIL " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
