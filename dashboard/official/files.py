"""Finding and opening the official files: plain `.csv` or gzipped `.csv.gz`, one path, several, or folders."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable
from pathlib import Path

SUFFIXES = (".csv", ".csv.gz")


def is_official_file(path: Path) -> bool:
    """True for a file the official reader accepts by its name: `.csv` or `.csv.gz` (case-insensitive)."""
    return path.name.lower().endswith(SUFFIXES)


def expand_paths(paths: Iterable[str | Path] | str | Path) -> list[Path]:
    """Files from files and folders (a folder gives its `.csv`/`.csv.gz` files, sorted); a missing path is an error."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.is_file() and is_official_file(f)))
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    return out


def display_name(path: Path) -> str:
    """The published file's name: what observations cite as their source document (`.gz` dropped)."""
    name = path.name
    return name[:-3] if name.lower().endswith(".gz") else name


def read_text(path: Path) -> str:
    """The file's text, decompressed if gzipped; UTF-8 with or without the byte-order mark some DfE files carry."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # gzip's magic number, whatever the file is called
        raw = gzip.decompress(raw)
    return raw.decode("utf-8-sig")


def header_of(text: str) -> list[str]:
    """The first line's column names as the csv module reads them."""
    first = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    return [c.strip("\r") for c in first]
