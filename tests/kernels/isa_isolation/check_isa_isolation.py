#!/usr/bin/env python3
"""Fails when code compiled for a SIMD level could be linked in for a caller of another level.

An inline function or template instantiation that objects of two levels both use is emitted by each of
them as a weak (COMDAT) symbol; the linker keeps one copy for every caller, maybe the AVX-512 one, and the
scalar path of an older CPU then meets an illegal instruction. So, reading the objects' symbols with nm:

1. A weak or unique symbol that a level's object defines must not be defined or referenced by an object
   of another level or of the rest of the library (--rest): that is the collision itself.
2. Every global symbol a level's object defines must name that level's namespace (ck::kernels::<level>::,
   in its own name or a template argument), so that no object elsewhere in the program can define it too.
   Helpers belong in an anonymous namespace (internal linkage, never merged); the standard library's inline
   functions are called through builtins.

Usage: check_isa_isolation.py --level NAME OBJECTS [--level NAME OBJECTS ...] [--rest FILES ...]
OBJECTS and FILES are ';'-separated lists (as CMake writes them) of objects or static archives.
Exits 1 naming each offending symbol and the objects involved, 0 when there is none.
"""
import argparse
import os
import subprocess
import sys

WEAK_TYPES = set("WwVvu")  # weak code, weak data, GNU unique (static locals of inline functions)
# The linker-made pointer to the C++ personality routine: data that every object with exception tables
# shares, never code.
HARMLESS_PREFIXES = ("DW.ref.",)


def read_symbols(paths):
    """[(object name, mangled symbol, nm type letter)] for every defined or undefined global symbol."""
    out = subprocess.run(["nm", "-A", "--format=posix", *paths], check=True, capture_output=True,
                         text=True).stdout
    symbols = []
    for line in out.splitlines():
        # "<file>: <name> <type> [<value> <size>]", where <file> is "lib.a[member.o]" inside an archive.
        where, _, rest = line.rpartition(": ")
        fields = rest.split()
        if len(fields) < 2:
            continue
        name, kind = fields[0], fields[1]
        if kind.islower() and kind not in WEAK_TYPES:
            continue  # local: internal linkage, never merged
        symbols.append((where, name, kind))
    return symbols


def demangle(names):
    names = sorted(names)
    if not names:
        return {}
    out = subprocess.run(["c++filt"], input="\n".join(names), check=True, capture_output=True,
                         text=True).stdout.splitlines()
    return dict(zip(names, out))


def display(where):
    """An object's name without this machine's directories: the library or target folder and the file."""
    if "[" in where:  # lib.a[member.o]
        archive, member = where.rstrip("]").split("[", 1)
        return f"{os.path.basename(archive)}[{member}]"
    target = [part for part in where.split(os.sep) if part.endswith(".dir")]  # CMake's <target>.dir
    return f"{target[-1]}/{os.path.basename(where)}" if target else os.path.basename(where)


def split_list(value):
    return [p for p in value.split(";") if p]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--level", nargs=2, action="append", metavar=("NAME", "OBJECTS"), required=True)
    parser.add_argument("--rest", action="append", default=[],
                        help="other objects or archives of the program (repeatable)")
    args = parser.parse_args()

    level_of_object = {}  # object as nm names it -> level
    level_paths = []
    for level, objects in args.level:
        if not split_list(objects):
            parser.error(f"level {level} names no object: the check would pass on nothing")
        for path in split_list(objects):
            level_paths.append(path)
            level_of_object[path] = level
    # The level objects may sit in the rest's archives too (ck_kernels holds them): they count as theirs.
    level_members = {os.path.basename(p) for p in level_paths}

    def level_of(where):
        if where in level_of_object:
            return level_of_object[where]
        if "[" in where:
            member = where.rstrip("]").split("[", 1)[1]
            if member in level_members:
                return None  # the same object again, already read as a level object
        return "rest"

    symbols = read_symbols(level_paths + [p for rest in args.rest for p in split_list(rest)])
    users = {}  # symbol -> [(object, level, type)]
    for where, name, kind in symbols:
        level = level_of(where)
        if level is not None:
            users.setdefault(name, []).append((where, level, kind))

    names = demangle(users)
    problems = []
    for name, uses in sorted(users.items()):
        if name.startswith(HARMLESS_PREFIXES):
            continue
        for where, level, kind in uses:
            if level == "rest" or kind in "Uw":
                continue
            pretty = names[name]
            if kind in WEAK_TYPES:
                for other, other_level, other_kind in uses:
                    if other_level != level:
                        how = "referenced" if other_kind in "Uw" else "defined"
                        problems.append(f"`{pretty}` is a weak definition in {display(where)} "
                                        f"(level {level}) "
                                        f"and is also {how} in {display(other)} ({other_level}): the linker "
                                        f"keeps one copy for both, maybe the {level} one")
            if f"ck::kernels::{level}::" not in pretty:
                problems.append(f"`{pretty}` is defined ({kind}) in {display(where)} "
                                f"(level {level}) "
                                f"outside namespace ck::kernels::{level}: any other object of the program may "
                                "define it too")
    for p in problems:
        print(f"ISA isolation: {p}")
    if problems:
        print(f"{len(problems)} problem(s). Give level helpers internal linkage (an anonymous namespace), "
              "call builtins instead of the standard library's inline functions, or name the level's "
              "namespace.")
        return 1
    counted = len({w for w, _, _ in symbols})
    print(f"ISA isolation: {len(level_paths)} level objects against {counted} objects in all: "
          "no shared symbol")
    return 0


if __name__ == "__main__":
    sys.exit(main())
