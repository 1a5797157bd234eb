#!/usr/bin/env python3
"""Reports on a registry-route SBF build.

  report.py diagnostics <linker-log>   classify the LLVM diagnostics sbpf-linker printed;
                                       exit 1 if any means miscompiled or unlinkable code
  report.py frames <program.so>        the deepest stack offset any instruction touches
                                       (SBF gives each call frame 4096 bytes); exit 1 above it
"""
import re
import struct
import subprocess
import sys

FRAME_LIMIT = 4096
# compiler-rt i128 helpers: their *definitions* cannot be compiled by LLVM 22's BPF backend;
# harmless unless the program multiplies, divides or shifts u128 (it does not).
I128_HELPERS = {"__multi3", "__udivti3", "__umodti3", "__divti3", "__modti3",
                "__ashlti3", "__lshrti3", "__ashrti3", "__muloti4"}


def demangle(names):
    try:
        out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True).stdout
        names = out.splitlines() or names
    except OSError:
        pass
    return [re.sub(r"\[[0-9a-f]{1,16}\]", "", n) for n in names]


def diagnostics(log_path):
    text = open(log_path, errors="replace").read()
    lines = re.findall(r"ERROR llvm: .*|Symbol [^ ]+ is missing.*|warning: `solana-compiler-builtins` was not linked.*", text)
    known, sret, returns, danger = set(), set(), set(), set()
    for msg in lines:
        m = re.match(r"ERROR llvm: <unknown>:0:0: in function (\S+) (.*?\)): (.*)", msg)
        if not m:
            danger.add(msg)
            continue
        fn, ty, what = m.groups()
        if fn in I128_HELPERS:
            known.add(f"{fn}: {what}")
        elif "aggregate returns are not supported" in what and ty.startswith("void ("):
            sret.add(fn)  # result through a pointer argument: compiled correctly
        elif "aggregate returns are not supported" in what:
            returns.add(f"{fn} {ty}")  # wrong only if called (through a vtable, say)
        else:
            danger.add(f"{fn}: {what}")  # u128 mul/div/shift, frame > 4096, > 5 args, ...
    if known:
        print(f"build-sbf: note: {len(known)} i128 helpers not compiled (fine: no u128 mul/div/shift on-chain)")
    if sret:
        print(f"build-sbf: note: {len(sret)} result-pointer functions reported as aggregate returns (harmless)")
    for title, items in (("warning: >8-byte returns, wrong if called through a vtable", returns),
                         ("DANGER: miscompiled or unlinkable code", danger)):
        if items:
            print(f"build-sbf: {title}:")
            for item in demangle(sorted(items)):
                print("   ", item[:300])
    return 1 if danger else 0


def text_section(elf):
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)
    def section(i):
        base = shoff + i * shentsize
        name, _type, _flags, _addr, offset, size = struct.unpack_from("<IIQQQQ", elf, base)
        return name, offset, size
    _, stroff, _ = section(shstrndx)
    for i in range(shnum):
        name, offset, size = section(i)
        end = elf.index(b"\0", stroff + name)
        if elf[stroff + name:end] == b".text":
            return elf[offset:offset + size]
    sys.exit("report: no .text section")


def frames(so_path):
    code = text_section(open(so_path, "rb").read())
    deepest = 0
    copies = {}  # register -> True while it holds a copy of the frame pointer r10
    for at in range(0, len(code) - 7, 8):
        opcode, regs, offset, imm = struct.unpack_from("<BBhi", code, at)
        dst, src = regs & 0x0F, regs >> 4
        cls = opcode & 0x07
        if cls == 0x01 and src == 10 and offset < 0:          # ldx [r10 - n]
            deepest = max(deepest, -offset)
        elif cls in (0x02, 0x03) and dst == 10 and offset < 0:  # st/stx [r10 - n]
            deepest = max(deepest, -offset)
        elif opcode == 0xBF:                                   # mov64 dst, src
            copies[dst] = src == 10
        elif opcode == 0x07 and copies.get(dst) and imm < 0:   # add64 dst, -n (an address in the frame)
            deepest = max(deepest, -imm)
            copies[dst] = False
        elif dst in copies and cls in (0x04, 0x07):
            copies[dst] = False
    print(f"build-sbf: deepest stack frame use: {deepest} of {FRAME_LIMIT} bytes")
    return 1 if deepest > FRAME_LIMIT else 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("diagnostics", "frames"):
        sys.exit(__doc__)
    sys.exit(diagnostics(sys.argv[2]) if sys.argv[1] == "diagnostics" else frames(sys.argv[2]))
