"""Size helpers for packaging/gd-explorer.spec: rewrite entries of PyInstaller's binary TOC.

Each helper takes and returns a TOC, a list of ``(dest_name, src_path, typecode)`` tuples
(PyInstaller's ``a.binaries``); a rewritten binary is written under ``workdir`` and the
entry points at it, so nothing in the build venv or the interpreter is changed. Linux only
(they need binutils' ``strip``, ``as``, ``ld`` and ``objdump``, which PyInstaller itself
needs there). Measured costs are in packaging/README.md.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterable

Toc = list[tuple[str, str, str]]

#: Where each ICU function that Qt Core calls takes its UErrorCode* (x86-64 System V:
#: the first six integer arguments in rdi, rsi, rdx, rcx, r8, r9, then the stack; "8(%rsp)"
#: is the 7th, "16(%rsp)" the 8th), or None for functions without one. Every stub sets
#: *status = U_UNSUPPORTED_ERROR (16) when it has one and returns 0 / NULL.
ICU_STATUS_ARG: dict[str, str | None] = {
    # libicui18n: collation (QCollator) and calendars (time-zone display names)
    "ucol_open": "%rsi",
    "ucol_close": None,
    "ucol_setAttribute": "%rcx",
    "ucol_strcoll": None,
    "ucol_getSortKey": None,
    "ucal_open": "%r8",
    "ucal_close": None,
    "ucal_getCanonicalTimeZoneID": "%r9",
    "ucal_getTimeZoneDisplayName": "%r9",
    # libicuuc: converters (QStringConverter's non-Unicode codecs), locale case mapping
    "u_strToLower": "%r9",
    "u_strToUpper": "%r9",
    "ucnv_open": "%rsi",
    "ucnv_close": None,
    "ucnv_countAvailable": None,
    "ucnv_getAvailableName": None,
    "ucnv_getStandardName": "%rdx",
    "ucnv_getName": "%rsi",
    "ucnv_getMaxCharSize": None,
    "ucnv_reset": None,
    "ucnv_fromUnicode": "16(%rsp)",
    "ucnv_toUnicode": "16(%rsp)",
    "ucnv_fromUCountPending": "%rsi",
    "ucnv_toUCountPending": "%rsi",
    "ucnv_setFromUCallBack": "%r9",
    "ucnv_setToUCallBack": "%r9",
    "ucnv_getFromUCallBack": None,
    "ucnv_getToUCallBack": None,
    "ucnv_cbFromUWriteUChars": "%r8",
    "ucnv_cbToUWriteUChars": "%r8",
    "UCNV_FROM_U_CALLBACK_SUBSTITUTE": "8(%rsp)",
    "UCNV_TO_U_CALLBACK_SUBSTITUTE": "%r9",
}
_ICU_LIBS = ("libicuuc.so", "libicui18n.so", "libicudata.so")


def _is_elf(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"gd-explorer.spec: `{name}` (binutils) is needed to slim the bundle")
    return path


def strip_copies(
    binaries: Toc,
    workdir: str,
    flag: str,
    prefixes: Iterable[str] = (),
    names: Iterable[str] = (),
) -> Toc:
    """Replace ELF binaries whose real path is under one of ``prefixes``, or whose
    destination base name starts with one of ``names``, by copies run through
    ``strip <flag>`` (``--strip-debug``: DWARF only; ``--strip-unneeded``: also the
    static symbol table; the dynamic symbols that linking needs stay either way)."""
    roots = tuple(os.path.realpath(p) + os.sep for p in prefixes)
    starts = tuple(names)
    strip = _tool("strip")
    out: Toc = []
    for dest, src, typ in binaries:
        real = os.path.realpath(src)
        chosen = real.startswith(roots) or os.path.basename(dest).startswith(starts)
        if typ != "SYMLINK" and chosen and _is_elf(real):
            copy = os.path.join(workdir, "stripped", dest)
            os.makedirs(os.path.dirname(copy), exist_ok=True)
            shutil.copy2(real, copy)
            subprocess.run([strip, flag, copy], check=True)
            src = copy
        out.append((dest, src, typ))
    return out


def _dynamic_symbols(lib: str, defined: bool) -> set[str]:
    """Names of the dynamic symbols ``lib`` defines (or, defined=False, imports)."""
    dump = subprocess.run(
        [_tool("objdump"), "-T", lib], check=True, capture_output=True, text=True
    ).stdout
    names = set()
    for line in dump.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[-1] != "Name":
            if ("*UND*" not in line) == defined:
                names.add(parts[-1])
    return names


def _stub_library(soname: str, symbols: Iterable[str], workdir: str) -> str:
    """Assemble and link an x86-64 shared library ``soname`` whose functions ``symbols``
    (ICU names with their version suffix, e.g. ucol_open_73) do nothing and fail."""
    lines = ["\t.text"]
    for i, symbol in enumerate(sorted(symbols)):
        status = ICU_STATUS_ARG[re.sub(r"_\d+$", "", symbol)]
        lines += [f"\t.globl {symbol}", f"\t.type {symbol}, @function", f"{symbol}:"]
        if status is not None:
            lines += [f"\tmov {status}, %rax", "\ttest %rax, %rax", f"\tjz .Lret{i}"]
            lines.append("\tmovl $16, (%rax)")
        lines += [f".Lret{i}:", "\txorl %eax, %eax", "\tret", f"\t.size {symbol}, .-{symbol}"]
    lines.append('\t.section .note.GNU-stack,"",@progbits')
    build = os.path.join(workdir, "icu")
    os.makedirs(build, exist_ok=True)
    asm, obj = os.path.join(build, f"{soname}.s"), os.path.join(build, f"{soname}.o")
    lib = os.path.join(build, soname)
    with open(asm, "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run([_tool("as"), "-o", obj, asm], check=True)
    subprocess.run([_tool("ld"), "-shared", "-soname", soname, "-o", lib, obj], check=True)
    return lib


def stub_icu(binaries: Toc, workdir: str) -> Toc:
    """Replace ICU (libicuuc, libicui18n, libicudata: 39 MB with every locale, converter
    and dictionary) by stub libraries that define just the functions the bundled
    binaries call, each failing with U_UNSUPPORTED_ERROR (libicudata: an empty one).

    Qt checks every one of these calls and has a fallback (QCollator compares code
    points, QLocale::toUpper/toLower use Qt's own case tables, QStringConverter offers
    only the Unicode and Latin-1 codecs it implements itself, time zones come from the
    tz database). Leaves ICU as it is (with a note) on a machine other than x86-64 or
    when a binary calls an ICU function the table does not know."""
    icu = {e[0]: e for e in binaries if os.path.basename(e[0]).startswith(_ICU_LIBS)}
    icu = {d: e for d, e in icu.items() if e[2] != "SYMLINK"}
    if not icu:
        return binaries
    if platform.machine() not in ("x86_64", "AMD64"):
        print(f"gd-explorer.spec: ICU kept (stubs are x86-64 only, this is {platform.machine()})")
        return binaries
    provided = {d: _dynamic_symbols(e[1], defined=True) for d, e in icu.items()}
    wanted: dict[str, set[str]] = {d: set() for d in icu}
    for dest, src, typ in binaries:
        if dest in icu or typ == "SYMLINK" or not _is_elf(src):
            continue
        needed = set(_needed(src))
        if not any(os.path.basename(d) in needed for d in icu):
            continue
        imports = _dynamic_symbols(src, defined=False)
        for d in icu:
            if os.path.basename(d) in needed:
                wanted[d] |= imports & provided[d]
    unknown = {s for syms in wanted.values() for s in syms}
    unknown = {s for s in unknown if re.sub(r"_\d+$", "", s) not in ICU_STATUS_ARG}
    if unknown:
        print(f"gd-explorer.spec: ICU kept: no stub for {sorted(unknown)}")
        return binaries
    out: Toc = []
    for dest, src, typ in binaries:
        if dest in icu:
            # (libicudata gets no symbols: only the real libicuuc read its data, but
            # libQt6Core lists it as NEEDED)
            src = _stub_library(os.path.basename(dest), wanted[dest], workdir)
        out.append((dest, src, typ))
    return out


def _needed(path: str) -> list[str]:
    """The sonames ``path`` lists as NEEDED."""
    dump = subprocess.run([_tool("objdump"), "-p", path], check=True, capture_output=True)
    return re.findall(r"^\s*NEEDED\s+(\S+)$", dump.stdout.decode(errors="replace"), re.M)


def drop_unneeded_top_level(binaries: Toc, host: Iterable[str]) -> Toc:
    """Drop the top-level shared libraries (the build machine's, copied next to libpython)
    that no kept binary needs, directly or through another kept top-level library; the
    ``host`` ones (sonames) are dropped too and not followed: the target system's own."""
    host = set(host)
    top = {
        e[0]: e
        for e in binaries
        if "/" not in e[0].replace(os.sep, "/")
        and e[2] != "SYMLINK"
        and not e[0].startswith("libpython")
    }
    keep: set[str] = set()
    todo = [e[1] for e in binaries if e[0] not in top and e[2] != "SYMLINK"]
    while todo:
        for name in _needed(todo.pop()):
            if name in top and name not in keep and name not in host:
                keep.add(name)
                todo.append(top[name][1])
    return [e for e in binaries if e[0] not in top or e[0] in keep]


_PAGE = 0x1000


def _compact(data: bytes) -> bytes | None:
    """``data`` (an ELF64 little-endian shared object) without the hole before its last
    LOAD segment, or None when there is no hole of 64 KiB or more to close.

    patchelf (auditwheel) appends a LOAD segment aligned to 2 MiB, so a 14 KB library
    can fill 2 MB of file. The segment moves down to the first offset past the other
    contents that is congruent to it modulo 4 KiB; LOAD alignments become 4 KiB (the
    x86-64 page), and every file offset past the hole shifts by the same amount."""
    if data[:6] != b"\x7fELF\x02\x01":
        return None
    phoff, shoff = struct.unpack_from("<QQ", data, 32)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 54)
    ph = [list(struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)) for i in range(phnum)]
    sh = [
        list(struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)) for i in range(shnum)
    ]
    loads = [p for p in ph if p[0] == 1]
    last = max(p[2] for p in loads)
    ends = [phoff + phnum * phentsize]
    ends += [p[2] + p[5] for p in ph if p[2] < last]
    ends += [s[4] + (s[5] if s[1] != 8 else 0) for s in sh if 0 < s[4] < last]  # 8: NOBITS
    if shoff < last:
        ends.append(shoff + shnum * shentsize)
    end = max(ends)
    new = end + (last - end) % _PAGE
    delta = last - new
    if delta < 0x10000 or phoff >= last:
        return None
    for p in ph:
        if p[2] >= last:
            p[2] -= delta
        if p[0] == 1:
            p[7] = min(p[7], _PAGE)
    for s in sh:
        if s[4] >= last:
            s[4] -= delta
    shoff = shoff - delta if shoff >= last else shoff
    out = bytearray(data[:end] + bytes(new - end) + data[last:])
    struct.pack_into("<Q", out, 40, shoff)
    for i, p in enumerate(ph):
        struct.pack_into("<IIQQQQQQ", out, phoff + i * phentsize, *p)
    for i, s in enumerate(sh):
        struct.pack_into("<IIQQQQIIQQ", out, shoff + i * shentsize, *s)
    return bytes(out)


def compact_padded(binaries: Toc, workdir: str, names: Iterable[str]) -> Toc:
    """Replace the binaries whose destination base name starts with one of ``names`` by
    copies with patchelf's alignment hole closed (see ``_compact``), each checked by
    loading it in a child interpreter (the library must need nothing outside libc)."""
    starts = tuple(names)
    out: Toc = []
    for dest, src, typ in binaries:
        if typ != "SYMLINK" and os.path.basename(dest).startswith(starts):
            with open(src, "rb") as f:
                small = _compact(f.read())
            if small is not None:
                copy = os.path.join(workdir, "compact", dest)
                os.makedirs(os.path.dirname(copy), exist_ok=True)
                with open(copy, "wb") as f:
                    f.write(small)
                load = "import ctypes, sys; ctypes.CDLL(sys.argv[1])"
                subprocess.run([sys.executable, "-c", load, copy], check=True)
                src = copy
        out.append((dest, src, typ))
    return out


def drop(toc: Toc, patterns: Iterable[str]) -> Toc:
    """The entries whose destination path (with "/" separators) contains none of
    ``patterns``."""
    parts = tuple(patterns)
    return [e for e in toc if not any(p in e[0].replace(os.sep, "/") for p in parts)]
