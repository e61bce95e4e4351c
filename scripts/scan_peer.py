#!/usr/bin/env python3
"""Peer for the Go scan benchmark: the same per-file check (read the bytes,
SHA-1, header, full decode, size) in one Python process with PIL and hashlib,
the way a typical PyTorch data-cleaning script does it.

usage: scan_peer.py DIR   -> prints files=N seconds=S files_per_s=X
"""
import hashlib
import io
import os
import sys
import time

from PIL import Image

Image.MAX_IMAGE_PIXELS = 178956970  # the kit's default limit


def check(path):
    with open(path, "rb") as f:
        data = f.read()
    sha1 = hashlib.sha1(data).hexdigest()
    try:
        with Image.open(io.BytesIO(data)) as im:
            size, fmt = im.size, im.format
            im.load()
        return sha1, size, fmt, ""
    except Exception as e:  # unreadable, truncated, too large
        return sha1, None, None, type(e).__name__


def main():
    root = sys.argv[1]
    paths = []
    for d, _, names in os.walk(root):
        paths.extend(os.path.join(d, n) for n in names)
    paths.sort()
    start = time.perf_counter()
    bad = sum(1 for p in paths if check(p)[3])
    secs = time.perf_counter() - start
    print(f"files={len(paths)} unreadable={bad} seconds={secs:.3f} files_per_s={len(paths) / secs:.1f}")


if __name__ == "__main__":
    main()
