#!/usr/bin/env python3
"""The ISA isolation check fails on the hazard it exists for and passes on its cure (fixture/).

Usage: check_isa_isolation_test.py CHECKER SCALAR_OBJECT AVX512_SHARED_OBJECT AVX512_ISOLATED_OBJECT
"""
import subprocess
import sys


def run(checker, level_object, rest):
    r = subprocess.run([sys.executable, checker, "--level", "avx512", level_object, "--rest", rest],
                       capture_output=True, text=True)
    print(r.stdout, end="")
    return r


def main():
    checker, scalar, shared, isolated = sys.argv[1:5]
    failed = []

    r = run(checker, shared, scalar)
    expected = ("`ck::kernels::fixture::scale(float*, float const*, float)` is a weak definition in "
                "ck_isa_fixture_avx512.dir/avx512_shared.cpp.o (level avx512) and is also defined in "
                "ck_isa_fixture_scalar.dir/scalar.cpp.o (rest)")
    if r.returncode != 1 or expected not in r.stdout:
        failed.append(f"a helper shared with the scalar path: exit {r.returncode} (expected 1), "
                      f"expected a line with\n  {expected}")

    r = run(checker, isolated, scalar)
    if r.returncode != 0:
        failed.append(f"a helper in an anonymous namespace: exit {r.returncode}, expected 0")

    for f in failed:
        print(f"FAILED: {f}")
    print(f"{2 - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
