#!/usr/bin/env python3
"""Checks that the register tiles of each SIMD level's dot objects prefetch the weight rows ahead.

Decode runs at the memory's speed only because the tiles prefetch the rows ahead (dot_x86_tiles.h says
why); outputs are the same with or without it, so no unit test of values can see it go. GCC once
deleted every prefetch (its early pure-const analysis took the prefetch helper for a function without
side effects) and decode lost half its speed unnoticed. This reads the disassembly instead: every
out-of-line tile<...> function of every level must hold all four prefetch forms the host tuning can pick
(nta, t0, t1, t2).

    check_tile_prefetch.py --level NAME OBJECT... [--level NAME OBJECT...]
"""
import re
import subprocess
import sys

FORMS = ("prefetchnta", "prefetcht0", "prefetcht1", "prefetcht2")
HEADER = re.compile(r"^[0-9a-f]+ <(.*)>:$")
# Clones (.constprop, .isra, .part) may be specialised for callers that never prefetch (a single dot row).
TILE = re.compile(r"::tile<.*\)$")
FEWEST_TILES = 5  # each level has tiles for several kernels: fewer found means the names changed


def tiles(obj):
    listing = subprocess.run(["objdump", "-d", "-C", "--no-show-raw-insn", obj], check=True,
                             capture_output=True, text=True).stdout
    name, body = None, []
    for line in listing.splitlines() + [""]:
        header = HEADER.match(line)
        if header or not line.strip():
            if name is not None and TILE.search(name):
                yield name, body
            name, body = (header.group(1), []) if header else (None, [])
        elif name is not None:
            body.append(line)


def main(argv):
    levels, level = {}, None
    args = iter(argv)
    for arg in args:
        if arg == "--level":
            level = next(args)
            levels[level] = []
        elif level is None:
            sys.exit(__doc__)
        else:
            levels[level].append(arg)
    if not levels:
        sys.exit(__doc__)
    failures = []
    for level, objects in levels.items():
        found = 0
        for obj in objects:
            for name, body in tiles(obj):
                found += 1
                text = "\n".join(body)
                missing = [form for form in FORMS if form not in text]
                if missing:
                    failures.append(f"{level}: {name[:160]} has no {', '.join(missing)}")
        if found < FEWEST_TILES:
            failures.append(f"{level}: only {found} tile functions found in {objects}")
        else:
            print(f"{level}: {found} tile functions, all prefetching")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
