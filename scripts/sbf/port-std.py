#!/usr/bin/env python3
"""Ports Rust 1.96's std sources to target_os = "solana" (arch bpf) for -Z build-std.

Solana programs are single-threaded, have no OS, and install their own global allocator, so
std only needs its generic/unsupported fallbacks, a System allocator that is never used, and
fixed hash keys (on-chain execution is deterministic). Idempotent: an edit already present is
skipped and files are written only when they change (so cargo does not rebuild std).
usage: port-std.py <rust-src>/library/std
"""
import os
import sys

STD = sys.argv[1]
SYS = os.path.join(STD, "src", "sys")


def write_if_changed(path, text):
    if not os.path.exists(path) or open(path).read() != text:
        with open(path, "w") as f:
            f.write(text)


def edit(path, old, new):
    text = open(path).read()
    if new in text:
        return
    if old not in text:
        sys.exit(f"port-std: {path} does not contain the expected source; this port is for Rust 1.96")
    write_if_changed(path, text.replace(old, new, 1))


# allocator: bpf uses the 8-byte minimum alignment; solana gets a module of its own
alloc = os.path.join(SYS, "alloc", "mod.rs")
edit(alloc, '    target_arch = "hexagon",\n', '    target_arch = "hexagon",\n    target_arch = "bpf",\n')
edit(alloc, '    target_os = "zkvm" => {\n        mod zkvm;\n    }\n',
     '    target_os = "zkvm" => {\n        mod zkvm;\n    }\n    target_os = "solana" => {\n        mod solana;\n    }\n')
write_if_changed(os.path.join(SYS, "alloc", "solana.rs"), '''use crate::alloc::{GlobalAlloc, Layout, System};

// A Solana program installs its own #[global_allocator] (a bump allocator over the 32 KiB
// heap); std's System allocator is never called there.
#[stable(feature = "alloc_system_type", since = "1.28.0")]
unsafe impl GlobalAlloc for System {
    #[inline]
    unsafe fn alloc(&self, _layout: Layout) -> *mut u8 {
        crate::ptr::null_mut()
    }

    #[inline]
    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}
''')
# io errors, thread locals and randomness: the fallbacks the other OS-less targets use
edit(os.path.join(SYS, "io", "error", "mod.rs"),
     '        target_os = "zkvm",\n    ) => {\n        mod generic;',
     '        target_os = "zkvm",\n        target_os = "solana",\n    ) => {\n        mod generic;')
tls = os.path.join(SYS, "thread_local", "mod.rs")
edit(tls, '        target_os = "vexos",\n    ) => {\n        mod no_threads;',
     '        target_os = "vexos",\n        target_os = "solana",\n    ) => {\n        mod no_threads;')
edit(tls, '            target_os = "vexos",\n        ) => {\n            pub(crate) fn enable() {',
     '            target_os = "vexos",\n            target_os = "solana",\n        ) => {\n            pub(crate) fn enable() {')
rnd = os.path.join(SYS, "random", "mod.rs")
edit(rnd, '        target_os = "vexos",\n    ) => {\n        // FIXME: finally remove',
     '        target_os = "vexos",\n        target_os = "solana",\n    ) => {\n        // FIXME: finally remove')
edit(rnd, '    target_os = "vexos",\n)))]\npub fn hashmap_random_keys',
     '    target_os = "vexos",\n    target_os = "solana",\n)))]\npub fn hashmap_random_keys')
# RandomState::new() reads thread-local keys (a writable static SBPF cannot hold): fixed keys
keys_old = "        thread_local!(static KEYS: Cell<(u64, u64)> = {"
keys_new = ('        #[cfg(target_os = "solana")]\n        {\n            return RandomState { k0: 0, k1: 0 };\n'
            '        }\n        #[allow(unreachable_code)]\n' + keys_old)
edit(os.path.join(STD, "src", "hash", "random.rs"), keys_old, keys_new)
print("port-std: std ported for target_os=solana:", STD)
