#!/usr/bin/env python3
"""Removes superseded executables from a cargo `deps` directory: for each name, every build but
the newest, once it is an hour old. Test binaries are the bulk of a target directory that many
builds share (hundreds of MB each), and cargo only ever runs the newest of a name; an older one it
still needs is simply linked again. Prints how much went."""

import os
import re
import sys
import time

deps = sys.argv[1]
builds = {}
for name in os.listdir(deps):
    path = os.path.join(deps, name)
    found = re.fullmatch(r"(.+)-([0-9a-f]{16})", name)
    if found and os.path.isfile(path) and os.access(path, os.X_OK):
        builds.setdefault(found.group(1), []).append((os.path.getmtime(path), path))

freed = 0
for versions in builds.values():
    versions.sort()
    for modified, path in versions[:-1]:
        if time.time() - modified > 3600:
            freed += os.path.getsize(path)
            os.remove(path)
print(f"pruned {freed / 1e9:.1f} GB of superseded executables")
