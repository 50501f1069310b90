#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Host test of tools/mdb-picture: draws a known dump into SVG and PNG and checks what was drawn; bad dumps are refused.
"""Prints one `ok tools.mdb-picture.<check> ...` or `not ok ...` line per check and
exits 1 if any failed. Graphviz missing (and not installable) is a failure, not a skip.
Outputs are kept in build/test/tools-mdb-picture/ (or the directory given as argument)."""
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "mdb-picture")
GOLDEN = os.path.join(ROOT, "tests", "tools", "golden")
SVG = "{http://www.w3.org/2000/svg}"
EVICTED, REBUILT = "#c62828", "#1565c0"

results = []


def check(name, what, ok, why=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} tools.mdb-picture.{name} {what}" + ("" if ok else f": {why}"))


def run(args, stdin=None):
    return subprocess.run([TOOL] + args, input=stdin, capture_output=True, text=True)


def groups(svg, cls):
    """{title: <g> element} of the SVG's groups of one class (cluster, node, edge)."""
    out = {}
    for g in svg.iter(SVG + "g"):
        if g.get("class") == cls:
            out[g.findtext(SVG + "title")] = g
    return out


def texts(g):
    return [t.text or "" for t in g.iter(SVG + "text")]


def strokes(g):
    """The outline shapes of a node or edge: (stroke, dasharray, width) per path/polygon/ellipse."""
    return [(s.get("stroke"), s.get("stroke-dasharray"), s.get("stroke-width"))
            for s in g if s.tag in (SVG + "path", SVG + "polygon", SVG + "ellipse")]


def render_known(out):
    base = os.path.join(out, "known")
    r = run(["-o", base, "--format", "svg,png,dot", os.path.join(GOLDEN, "mdb-picture.log")])
    check("render", "the known dump (two kdb dumps in a serial log) is drawn into SVG, PNG and DOT",
          r.returncode == 0 and all(os.path.exists(f"{base}.{f}") for f in ("svg", "png", "dot")),
          f"exit {r.returncode}: {r.stderr.strip()}")
    if r.returncode != 0:
        return None
    with open(f"{base}.dot") as f, open(os.path.join(GOLDEN, "mdb-picture.dot")) as g:
        got, want = f.read(), g.read()
    check("dot-golden", "the Graphviz input equals tests/tools/golden/mdb-picture.dot", got == want,
          f"diff {base}.dot {os.path.join(GOLDEN, 'mdb-picture.dot')}")
    return base


def check_svg(base):
    try:
        svg = ET.parse(base + ".svg").getroot()
    except ET.ParseError as e:
        check("svg-xml", "the SVG is well-formed XML", False, str(e))
        return
    check("svg-xml", "the SVG is well-formed XML", svg.tag == SVG + "svg", svg.tag)
    clusters, nodes, edges = groups(svg, "cluster"), groups(svg, "node"), groups(svg, "edge")
    want_clusters = {f"cluster_s{i}" for i in range(5)}
    check("clusters", "one box (cluster) per address space: 5", set(clusters) == want_clusters, sorted(clusters))
    want_nodes = {f"m4001{i:02d}" for i in range(6)} | {"m400200", "m400201"}
    check("nodes", "one node per mapping: 8, named by the dump's ids", set(nodes) == want_nodes, sorted(nodes))
    want_edges = {"m400100->m400101", "m400101->m400102", "m400102->m400103", "m400101->m400104",
                  "m400104->m400105", "m400200->m400201"}
    titles = {t.replace("&#45;", "-") for t in edges}
    check("edges", "one edge per parent -> child: 6", titles == want_edges, sorted(titles))
    labels = {t: texts(g) for t, g in clusters.items()}
    check("space-labels", "space boxes carry their labels (sN: first thread and name)",
          labels.get("cluster_s2") == ["s2: 34.1 A"] and labels.get("cluster_s1") == ["s1: 32.1 root task"],
          labels)
    node_text = {t: " / ".join(texts(g)) for t, g in nodes.items()}
    check("node-labels", "mapping nodes show address, size, frame and rights",
          node_text.get("m400100") == "0x2000000 2M / pa 0x2000000 / rwx"
          and node_text.get("m400201") == "0x31000000 4K / pa 0x3000000 / rw-", node_text)
    edge_text = {t.replace("&#45;", "-"): texts(g) for t, g in edges.items()}
    check("edge-labels", "edges are labelled with the child's rights",
          edge_text.get("m400101->m400102") == ["rw-"] and edge_text.get("m400101->m400104") == ["r-x"], edge_text)
    ev = [nodes.get(n) for n in ("m400103", "m400105")]
    ok = all(g is not None and "r-- evicted" in texts(g) and
             any(s == EVICTED and d for s, d, _ in strokes(g)) for g in ev)
    ok = ok and all(any(s == EVICTED and d for s, d, _ in strokes(edges.get(e, ET.Element("g"))))
                    for e in ("m400102->m400103", "m400104->m400105"))
    check("evicted-style", "evicted mappings and their edges are dashed and red, and say so", ok,
          [strokes(g) for g in ev if g is not None])
    rb = nodes.get("m400104")
    ok = rb is not None and "r-x rebuilt" in texts(rb) and any(
        s == REBUILT and w and float(w) >= 2 for s, _, w in strokes(rb))
    check("rebuilt-style", "the rebuilt mapping is bold and blue, and says so", ok, rb is not None and strokes(rb))
    pn = nodes.get("m400101")
    check("pinned-style", "the pinned mapping has a double border",
          pn is not None and len(strokes(pn)) == 2 and "rwx pinned" in texts(pn), pn is not None and strokes(pn))
    plain = [n for n in ("m400100", "m400102", "m400201")
             if any(s in (EVICTED, REBUILT) or d for s, d, _ in strokes(nodes.get(n, ET.Element("g"))))]
    check("plain-style", "other mappings are drawn plain", not plain, plain)


def check_png(base):
    with open(base + ".png", "rb") as f:
        head = f.read(24)
    ok = head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    w, h = struct.unpack(">II", head[16:24]) if ok else (0, 0)
    check("png", "the PNG is a PNG of a sensible size", ok and 200 < w < 5000 and 200 < h < 5000, (head[:8], w, h))


def check_plain_input(out):
    # gdb's mnemo-tree prints indented map lines without markers: accepted as is.
    text = ("(gdb) mnemo-tree n\n  map 10 parent=- space=s0 vaddr=0x1000 paddr=0x1000 size=0x1000 rights=rwx\n"
            "    map 11 parent=10 space=s1 vaddr=0x5000 size=0x1000 rights=r-- pinned\n")
    r = run(["--dot", "-"], text)
    check("plain-input", "indented map lines without markers (gdb's mnemo-tree) are read",
          r.returncode == 0 and "m10 -> m11" in r.stdout and "peripheries=2" in r.stdout, r.stderr)


def check_refusals():
    begin, end = "--- mdb-dump begin frame=0x1000 ---\n", "--- mdb-dump end frame=0x1000 mappings=1 shown=1 ---\n"
    good = "map 1 parent=- space=s0 vaddr=0x1000 size=0x1000 rights=rwx\n"
    bad = {
        "no-end": (begin + good, "no end line"),
        "rights": (begin + good.replace("rwx", "rwz") + end, "rights="),
        "hex": (begin + good.replace("vaddr=0x1000", "vaddr=0xg") + end, "not a hex number"),
        "size": (begin + good.replace("size=0x1000", "size=0x1800") + end, "power of two"),
        "flag": (begin + good.replace("\n", " squashed\n") + end, "unknown word"),
        "missing": (begin + "map 1 parent=- space=s0 size=0x1000 rights=rwx\n" + end, "no vaddr="),
        "garbage": (begin + good + "hello\n" + end, "not a dump line"),
        "empty": ("nothing here\n", "no `map` lines"),
    }
    for name, (text, msg) in bad.items():
        r = run(["--dot", "-"], text)
        check(f"refuse.{name}", f"a bad dump ({name}) is refused with a reason", r.returncode == 1 and msg in r.stderr,
              f"exit {r.returncode}, stderr {r.stderr.strip()!r}")
    r = run(["--dot", "-"], begin + good + end)
    check("accept.minimal", "a minimal dump is accepted", r.returncode == 0 and "m1 [" in r.stdout, r.stderr)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "test", "tools-mdb-picture")
    os.makedirs(out, exist_ok=True)
    base = render_known(out)
    if base:
        check_svg(base)
        check_png(base)
    check_plain_input(out)
    check_refusals()
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
