#!/usr/bin/env python3
"""Build the seed corpora and the dictionaries of the fuzz targets.

    python3 fuzz/gen_corpus.py        (from the top of the tree)

writes fuzz/corpus/names/*, fuzz/corpus/syscalls/* (encodings of the unit
tests' sequences: create, size, write, read, share by fork and by
descriptor passing, unlink while open, limits, permissions, pageout,
faults, both profiles), fuzz/corpus/scenario/* (the scenario suite,
tests/scenarios/**/*.shm, plus the decoded syscalls seeds when a built
shmsim is given with --shmsim) and fuzz/names.dict, fuzz/syscalls.dict,
fuzz/scenario.dict.

The encodings are those of tools/shmsim/decode.c (docs/fuzzing.md):
keep the tables below in step with it.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(TOP, "fuzz")

# ---------------------------------------------------------------- syscalls
# sys_opcodes[] indices
SPAWN, FORK, EXIT, OPEN, CLOSE, DUP, DUP2, FCNTL, FTRUNCATE, FSTAT, READ, \
    WRITE, PREAD, PWRITE, LSEEK, UNLINK, SENDFD, RECVFD, PAGEOUT, EXEC, \
    FAULT, UMASK, DUMP = range(23)
OPEN2, RENAME, MEMFD, FCHMOD, FCHOWN, FALLOCATE, FSPACECTL, IOCTL = \
    range(32, 40)
MMAP, MUNMAP, MPROTECT, LOAD, STORE = 40, 42, 43, 44, 46
# mmap_flags[]: SHARED, PRIVATE, SHARED|FIXED, PRIVATE|FIXED,
# SHARED|FIXED|EXCL, none, SHARED|PRIVATE, SHARED|EXCL
M_SH, M_PV, M_SHFX, M_PVFX, M_SHFXEX, M_NONE, M_BOTH, M_SHEX = range(8)
# mmap_prots[]: R, RW, NONE, W, R|MAX(R), RW|MAX(R), bad (8), R|X
P_R, P_RW, P_NONE, P_W, P_R_MAXR, P_RW_MAXR, P_BAD, P_RX = range(8)
# sys_mlen() indices
ML = {"PS": 0, "2PS": 1, "3PS+1": 2, "1": 3, "0": 4, "8PS": 5, "PS-1": 6,
      "MAX": 7}
# sys_maddr(): page of the window (15: 0, "anywhere"), +16: unaligned
A_ANY = 15
# the name pool (sys_name)
N_A, N_B, N_C, N_ANON, N_LONG1022, N_LONG1023, N_NUL, N_NOSLASH, N_NULL, \
    N_BADPTR, N_D = 0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11
# open flags byte
RDWR, RDONLY, WRONLY = 0, 1, 3
CREAT, EXCL, TRUNC, CLOEXEC, CLOFORK, BOGUS = 4, 8, 16, 32, 64, 128
# mode_table[] indices
M600, M644, M666, M400, M200, M000, M777, M640 = range(8)
# sys_size() indices (PS = page size)
SZ = {"0": 0, "1": 1, "PS/2": 2, "PS-1": 3, "PS": 4, "PS+1": 5, "2PS": 6,
      "3PS-1": 7, "3PS+7": 8, "8PS": 9, "100": 10, "-1": 11, "MAX": 12,
      "2^40": 13, "2.5PS": 14, "5": 15}
# sys_count() indices
CNT = {"0": 0, "1": 1, "7": 2, "PS-1": 3, "PS": 4, "PS+1": 5, "2PS": 6,
       "3PS+1": 7}
# sys_offset() indices
OFF = {"0": 0, "1": 1, "PS-1": 2, "PS": 3, "PS+1": 4, "2PS+7": 5, "3PS": 6,
       "-1": 7, "MAX": 8, "MAX-1": 9, "2^40": 10, "100": 11, "8PS": 12,
       "PS/2": 13, "-PS": 14, "5PS-3": 15}
# fcntl_cmds[] and fcntl_args[] indices
F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUP2FD, F_DUPFD_CLOEXEC, \
    F_DUP2FD_CLOEXEC, F_ADD_SEALS, F_GET_SEALS = range(10)
F_BAD = 14
ARG = {"0": 0, "1": 1, "2": 2, "3": 3, "5": 4, "8": 5, "-1": 6,
       "NONBLOCK": 7, "APPEND": 8, "NONBLOCK|APPEND": 9, "RDWR|NONBLOCK": 10,
       "SEAL_WRITE": 11, "SEAL_SEAL|SEAL_GROW": 12, "SEAL_SHRINK": 13}
# fault sites
SWAP_RESERVE, PAGE_ALLOC, COPYIN, OBJ_ALLOC, PAGER_IO = range(5)
ALWAYS = 0x80
# concurrent segments: the marker opcode byte, the pagedaemon actor
SEG, PAGEDAEMON = 0xff, "pagedaemon"
# page_sizes[], max_files_table[], swap_table[], mem_table[] indices
PS4096, PS512, PS1024, PS2048 = range(4)


def hdr(profile=0, page=PS4096, buckets=4, max_fds=16, files=0, swap=0,
        mem=0, large=False):
    """files/swap/mem are table indices (0: the defaults)."""
    return bytes([profile | page << 1 | (buckets - 1) << 3 |
                  (0x80 if large else 0),
                  (max_fds - 1) | files << 4, swap | mem << 4])


def fd(v):
    return v + 1


class S:
    """A syscalls input under construction."""

    def __init__(self, **kw):
        self.b = bytearray(hdr(**kw))

    def op(self, *xs):
        self.b += bytes(xs)
        return self

    def spawn(self, uid=0, gid=0, groups=False, umask=0):
        u = {0: 0, 1000: 1, 1001: 2}[uid]
        return self.op(SPAWN, u | (4 if gid else 0) | (8 if groups else 0)
                       | umask << 4)

    def fork(self, p): return self.op(FORK, p)
    def exit(self, p): return self.op(EXIT, p)

    def open(self, p, name, flags, mode=M600):
        return self.op(OPEN, p, name, flags, mode)

    def close(self, p, f): return self.op(CLOSE, p, fd(f))
    def dup(self, p, f): return self.op(DUP, p, fd(f))
    def dup2(self, p, f, g): return self.op(DUP2, p, fd(f), fd(g))

    def fcntl(self, p, f, cmd, arg="0", argfd=False):
        return self.op(FCNTL, p, fd(f), cmd, fd(arg) if argfd else ARG[arg])

    def ftruncate(self, p, f, sz): return self.op(FTRUNCATE, p, fd(f), SZ[sz])
    def fstat(self, p, f): return self.op(FSTAT, p, fd(f))
    def read(self, p, f, n): return self.op(READ, p, fd(f), CNT[n])

    def pread(self, p, f, n, off):
        return self.op(PREAD, p, fd(f), CNT[n], OFF[off])

    def write(self, p, f, n, fill=0x41):
        return self.op(WRITE, p, fd(f), CNT[n], fill)

    def pwrite(self, p, f, n, off, fill=0x42):
        return self.op(PWRITE, p, fd(f), CNT[n], fill, OFF[off])

    def lseek(self, p, f, off, whence):
        return self.op(LSEEK, p, fd(f), OFF[off], whence)

    def unlink(self, p, name): return self.op(UNLINK, p, name)
    def sendfd(self, p, q, f): return self.op(SENDFD, p, q, fd(f))
    def recvfd(self, p): return self.op(RECVFD, p)
    def pageout(self, n=0): return self.op(PAGEOUT, n)
    def exec_(self, p): return self.op(EXEC, p)
    def fault(self, site, nth, always=False):
        return self.op(FAULT, site | (ALWAYS if always else 0), nth)
    def umask(self, p, idx): return self.op(UMASK, p, idx)
    def dump(self): return self.op(DUMP)

    # open2_shmflags: bit 0 SEAL, bit 1 GROW, bit 2 LARGE (any mix), bit 4 bad
    def open2(self, p, name, flags, mode=M600, shmflags=0, named=False):
        return self.op(OPEN2, p, name, flags, mode,
                       shmflags | (8 if named else 0))

    def rename(self, p, a, b, flags=0): return self.op(RENAME, p, a, b, flags)
    # memfd names: "fuzz", "", NULL, 300 bytes; flags: memfd_flags[]
    def memfd(self, p, name=0, flags=0): return self.op(MEMFD, p, name, flags)
    def fchmod(self, p, f, mode): return self.op(FCHMOD, p, fd(f), mode)
    # ids: 0, 1000, 100, -1 (uid: bits 0-1, gid: bits 2-3)
    def fchown(self, p, f, u, g): return self.op(FCHOWN, p, fd(f), u | g << 2)

    def fallocate(self, p, f, off, sz):
        return self.op(FALLOCATE, p, fd(f), OFF[off], SZ[sz])

    def fspacectl(self, p, f, off, sz, bad=False):
        return self.op(FSPACECTL, p, fd(f), OFF[off] | (0x80 if bad else 0),
                       SZ[sz])

    # ioctl_cmds: FIONBIO, FIOASYNC, FIONREAD, FIOCLEX, FIONCLEX,
    # FIOSSHMLPGCNF, FIOGSHMLPGCNF, bad; arg0 = b & 3, arg1 = b >> 2 & 3
    def ioctl(self, p, f, cmd, arg0=0, arg1=0):
        return self.op(IOCTL, p, fd(f), cmd, arg0 | arg1 << 2)

    # mappings (the window: pages 0..14 from the base, A_ANY = hint 0)
    def mmap(self, p, f, ln, flags, addr, prot, off="0"):
        return self.op(MMAP, p, fd(f), ML[ln] | flags << 3, addr,
                       prot | OFF[off] << 4)

    def munmap(self, p, addr, ln): return self.op(MUNMAP, p, addr, ML[ln])

    def mprotect(self, p, addr, ln, prot):
        return self.op(MPROTECT, p, addr, ML[ln] | prot << 3)

    def load(self, p, addr, n, step=0):
        return self.op(LOAD, p, addr, CNT[n] | step << 3)

    def store(self, p, addr, n, fill=0x4d, step=0):
        return self.op(STORE, p, addr, CNT[n] | step << 3, fill)

    def par(self, actors, sched=()):
        """A concurrent segment (decode.c, run_segment): actors are
        (process index, [calls made with S() for process 0]) or
        (PAGEDAEMON, [pageout byte, ...]); 2 to 4 of them, 1 to 4 calls
        each; sched the schedule bytes (0 = the default choice)."""
        self.op(SEG, (len(actors) - 2) | len(sched) << 2)
        for who, calls in actors:
            if who == PAGEDAEMON:
                self.op(0x40 | (len(calls) - 1) << 4, *calls)
                continue
            self.op(who | (len(calls) - 1) << 4)
            for c in calls:
                # the call without its process byte
                self.b += c.b[3:4] + c.b[5:]
        return self.op(*sched)


def syscalls_seeds():
    seeds = {}
    for prof in (0, 1):
        tag = "2008" if prof else "current"

        def s(**kw):
            return S(profile=prof, **kw)
        seeds["lifecycle-" + tag] = (
            s().open(0, N_A, RDWR | CREAT, M600).ftruncate(0, 0, "PS")
            .write(0, 0, "7").lseek(0, 0, "0", 0).read(0, 0, "PS")
            .fstat(0, 0).close(0, 0).unlink(0, N_A))
        seeds["fork-share-" + tag] = (
            s().open(0, N_A, RDWR | CREAT).ftruncate(0, 0, "2PS").fork(0)
            .pwrite(1, 0, "PS", "PS-1").pread(0, 0, "PS+1", "PS-1")
            .exit(1).fstat(0, 0).unlink(0, N_A).close(0, 0))
        seeds["fdpassing-" + tag] = (
            s().spawn(1000).open(0, N_ANON, RDWR).ftruncate(0, 0, "PS")
            .write(0, 0, "PS", 0x5a).sendfd(0, 1, 0).close(0, 0)
            .recvfd(1).pread(1, 0, "PS", "0").recvfd(1).sendfd(1, 1, 0)
            .exit(1))
        seeds["unlink-while-open-" + tag] = (
            s().open(0, N_B, RDWR | CREAT | EXCL).unlink(0, N_B)
            .open(0, N_B, RDWR).open(0, N_B, RDWR | CREAT)
            .fstat(0, 0).fstat(0, 1).close(0, 0).close(0, 1))
        seeds["descriptors-" + tag] = (
            s(max_fds=6).open(0, N_A, RDWR | CREAT).dup(0, 0).dup2(0, 0, 4)
            .fcntl(0, 0, F_GETFD).fcntl(0, 1, F_SETFD, "1")
            .fcntl(0, 0, F_DUPFD, 3, argfd=True)
            .fcntl(0, 0, F_DUPFD_CLOEXEC, 2, argfd=True)
            .fcntl(0, 0, F_DUP2FD, 5, argfd=True).fcntl(0, 0, F_GETFL)
            .fcntl(0, 0, F_SETFL, "NONBLOCK|APPEND").fcntl(0, 0, F_BAD)
            .dup(0, 0).exec_(0).close(0, 4).close(0, 7))
        seeds["limits-" + tag] = (
            s(max_fds=3, files=5).open(0, N_A, RDWR | CREAT)
            .open(0, N_A, RDWR).open(0, N_A, RDONLY).open(0, N_A, RDWR)
            .fork(0).open(1, N_B, RDWR | CREAT).dup(1, 0).close(1, 2)
            .open(1, N_B, RDWR | CREAT))
        seeds["pageout-" + tag] = (
            s(mem=3, swap=9).open(0, N_A, RDWR | CREAT)
            .ftruncate(0, 0, "8PS").write(0, 0, "3PS+1", 0x11)
            .pwrite(0, 0, "PS", "5PS-3", 0x22).pageout(2).pageout()
            .pread(0, 0, "2PS", "0").fstat(0, 0).ftruncate(0, 0, "PS+1")
            .pread(0, 0, "2PS", "PS").ftruncate(0, 0, "3PS-1")
            .pread(0, 0, "2PS", "PS").dump())
        seeds["paths-" + tag] = (
            s().open(0, N_LONG1022, RDWR | CREAT)
            .open(0, N_LONG1023, RDWR | CREAT).open(0, N_NUL, RDWR | CREAT)
            .open(0, N_A, RDONLY).open(0, N_NOSLASH, RDWR | CREAT)
            .open(0, N_NULL, RDWR).open(0, N_BADPTR, RDWR)
            .open(0, N_ANON, RDONLY).open(0, N_A, WRONLY | CREAT)
            .open(0, N_A, RDWR | CREAT | CLOEXEC | CLOFORK)
            .open(0, N_C, RDWR | CREAT | BOGUS).unlink(0, N_LONG1022)
            .unlink(0, N_NOSLASH).unlink(0, N_NULL).unlink(0, N_A))
        seeds["permissions-" + tag] = (
            s().spawn(1000, gid=1).spawn(1001, gid=1, umask=2)
            .open(0, N_A, RDWR | CREAT, M640).open(1, N_A, RDONLY)
            .open(1, N_A, RDWR).open(2, N_C, RDWR | CREAT, M666)
            .open(1, N_C, RDWR).unlink(1, N_A).unlink(0, N_C)
            .umask(0, 2).open(0, N_D, RDWR | CREAT, M777).fstat(0, 5))
        seeds["io-edges-" + tag] = (
            s(page=PS512).open(0, N_A, RDWR | CREAT)
            .ftruncate(0, 0, "3PS+7").lseek(0, 0, "-1", 0)
            .lseek(0, 0, "MAX", 1).lseek(0, 0, "0", 2).lseek(0, 0, "0", 3)
            .lseek(0, 0, "0", 4).lseek(0, 0, "0", 5)
            .pwrite(0, 0, "7", "MAX-1").pread(0, 0, "7", "-1")
            .pread(0, 0, "PS", "2^40").write(0, 0, "3PS+1", 0xbd)
            .ftruncate(0, 0, "-1").ftruncate(0, 0, "MAX")
            .ftruncate(0, 0, "2^40").read(0, 0, "0"))
        seeds["faults-" + tag] = (
            s(swap=12).open(0, N_A, RDWR | CREAT)
            .fault(SWAP_RESERVE, 1).ftruncate(0, 0, "2PS")
            .ftruncate(0, 0, "2PS").fault(PAGE_ALLOC, 1)
            .write(0, 0, "2PS").write(0, 0, "PS").pageout()
            .fault(PAGER_IO, 1).pread(0, 0, "PS", "0").pread(0, 0, "PS", "0")
            .fault(COPYIN, 1).open(0, N_B, RDWR | CREAT)
            .fault(OBJ_ALLOC, 1).open(0, N_ANON, RDWR)
            .fault(PAGE_ALLOC, 2, True).pwrite(0, 0, "3PS+1", "0")
            .fault(PAGE_ALLOC, 0).ftruncate(0, 0, "PS+1"))
        seeds["mappings-" + tag] = (
            s(mem=3).open(0, N_A, RDWR | CREAT).ftruncate(0, 0, "2PS")
            .mmap(0, 0, "2PS", M_SH, A_ANY, P_RW)
            .mmap(0, 0, "2PS", M_PV, 4, P_RW)
            .store(0, 0, "7").store(0, 1, "PS", 0x61).load(0, 4, "PS+1")
            .store(0, 5, "1", 0x62).fork(0).store(1, 5, "1", 0x63)
            .load(0, 5, "1").pageout().load(1, 1, "7").close(0, 0)
            .unlink(0, N_A).ftruncate(1, 0, "PS").load(0, 1, "1")
            .load(1, 5, "1").mprotect(0, 0, "PS", P_R).store(0, 0, "1")
            .munmap(0, 1, "PS").load(0, 1, "1").mmap(0, 0, "1", M_SHFXEX, 0,
                                                     P_R)
            .mmap(1, 0, "PS", M_BOTH, A_ANY, P_R).exit(1).dump())
        seeds["seals-" + tag] = (
            s().open(0, N_ANON, RDWR).fcntl(0, 0, F_GET_SEALS)
            .fcntl(0, 0, F_ADD_SEALS, "SEAL_SHRINK")
            .ftruncate(0, 0, "PS").ftruncate(0, 0, "0")
            .fcntl(0, 0, F_ADD_SEALS, "SEAL_SEAL|SEAL_GROW")
            .ftruncate(0, 0, "2PS").fcntl(0, 0, F_ADD_SEALS, "SEAL_WRITE"))
    seeds["today-calls"] = (
        S(large=True).open2(0, N_A, 2 | 4, M644, shmflags=1)
        .fcntl(0, 0, F_ADD_SEALS, "SEAL_SHRINK").fallocate(0, 0, "0", "2PS")
        .fspacectl(0, 0, "1", "PS").fspacectl(0, 0, "1", "PS", bad=True)
        .rename(0, N_A, N_B).rename(0, N_B, N_C, 1).open(0, N_D, RDWR | CREAT)
        .rename(0, N_C, N_D, 2).rename(0, N_D, N_ANON).memfd(0, 0, 3)
        .memfd(0, 2).memfd(0, 3).memfd(0, 1, 6).fchmod(0, 0, 1)
        .spawn(1000).fchown(0, 0, 1, 2).fork(0).fchmod(2, 0, 2)
        .fchown(2, 0, 3, 3).ioctl(0, 0, 0, 1).ioctl(0, 0, 2).ioctl(0, 0, 3)
        .ioctl(0, 0, 6).ioctl(0, 0, 7).open2(0, N_ANON, 2, M600, shmflags=4)
        .ioctl(0, 3, 5, 1, 0).ioctl(0, 3, 6).ftruncate(0, 3, "8PS")
        .write(0, 3, "PS+1").fstat(0, 3).open2(0, N_A, 2, M600, shmflags=16,
                                                named=True)
        .open2(0, N_ANON, 2, M600, shmflags=2 | 4).ioctl(0, 4, 5, 1, 0)
        .write(0, 4, "PS+1").fstat(0, 4))
    seeds["today-calls-2008"] = bytes([seeds["today-calls"].b[0] | 1]) + \
        seeds["today-calls"].b[1:]
    # Concurrent segments (par blocks; schedule bytes from the input).
    unlink_open = [(0, [S().unlink(0, N_A), S().open(0, N_A, RDWR | CREAT)]),
                   (1, [S().open(0, N_A, RDWR)])]
    seeds["par-unlink-open"] = (
        S().open(0, N_A, RDWR | CREAT).fork(0).par(unlink_open))
    # The same block in the schedule where q's open falls between p's
    # unlink and create: ENOENT (the decode test checks both).
    seeds["par-unlink-open-enoent"] = (
        S().open(0, N_A, RDWR | CREAT).fork(0)
        .par(unlink_open, (0, 0, 0, 0, 0, 1)))
    seeds["par-threads-pageout"] = (
        S().open(0, N_A, RDWR | CREAT).ftruncate(0, 0, "2PS")
        .write(0, 0, "PS", 0x41)
        .par([(0, [S().read(0, 0, "PS"), S().close(0, 0)]),
              (0, [S().mmap(0, 0, "PS", M_SH, 0, P_RW),
                   S().load(0, 0, "PS")]),
              (PAGEDAEMON, [0, 3])], (1, 2, 0, 1, 2, 1, 0, 2, 1, 1)))
    seeds["par-close-dup2"] = (
        S().open(0, N_A, RDWR | CREAT).ftruncate(0, 0, "PS")
        .par([(0, [S().close(0, 0)]),
              (0, [S().dup2(0, 0, 3), S().fstat(0, 3)])], (1, 0, 1, 1))
        .close(0, 3))
    seeds["par-rename-open-unlink"] = (
        S().open(0, N_A, RDWR | CREAT).spawn(0).open(1, N_B, RDWR | CREAT)
        .par([(0, [S().rename(0, N_A, N_B), S().rename(0, N_B, N_C, 1)]),
              (1, [S().open(0, N_A, RDWR), S().unlink(0, N_B)]),
              (1, [S().open(0, N_B, RDWR | CREAT | EXCL)])],
             (1, 1, 2, 0, 2, 1, 2)))
    seeds["par-sendfd-close-2008"] = (
        S(profile=1).open(0, N_ANON, RDWR).ftruncate(0, 0, "PS").spawn(1000)
        .par([(0, [S().sendfd(0, 1, 0), S().close(0, 0)]),
              (1, [S().recvfd(0), S().close(0, 0)])], (0, 1, 1, 0, 1))
        .recvfd(1))
    seeds["par-truncate-fault"] = (
        S(mem=3, swap=9).open(0, N_A, RDWR | CREAT).ftruncate(0, 0, "2PS")
        .mmap(0, 0, "2PS", M_SH, 0, P_RW).store(0, 1, "7").fork(0)
        .par([(0, [S().ftruncate(0, 0, "PS+1"), S().ftruncate(0, 0, "2PS")]),
              (1, [S().load(0, 1, "7"), S().store(0, 1, "1")]),
              (PAGEDAEMON, [0])], (1, 1, 0, 2, 1, 2, 0, 1))
        .par([(0, [S().fcntl(0, 0, F_ADD_SEALS, "SEAL_WRITE")]),
              (1, [S().mmap(0, 0, "PS", M_SH, 4, P_RW)])], (1,)))
    # fork, exec and exit as steps of a block (issue #14).  par-fork-
    # cloexec: a thread of p1 forks (the child is p2) while p1 opens with
    # O_CLOEXEC; p2 reads the flag, execs, reads it again.  par-exec-exit:
    # a child's exit races the parent's close of the last shared file;
    # then p1's exec and open race a new child's fstat and fork.
    seeds["par-fork-cloexec"] = (
        S().par([(0, [S().open2(0, N_ANON, 2 | CLOEXEC)]),
                 (0, [S().fork(0)])])
        .fcntl(1, 0, F_GETFD).exec_(1).fcntl(1, 0, F_GETFD))
    seeds["par-exec-exit"] = (
        S().open(0, N_A, RDWR | CREAT).ftruncate(0, 0, "PS").fork(0)
        .par([(1, [S().exit(0)]), (0, [S().close(0, 0)])], (1, 0, 1))
        .fork(0)
        .par([(0, [S().exec_(0), S().open(0, N_B, RDWR | CREAT)]),
              (1, [S().fstat(0, 0), S().fork(0)])], (1, 1, 0, 1, 1))
        .fcntl(2, 0, F_GETFD))
    # Left out by the language's rules: p1's exit (its thread is an actor
    # of the block) and p2's exit (another actor sends to p2); p2's fstat
    # after its exit is kept, as the exit is gone.
    seeds["par-exit-left-out"] = (
        S().open(0, N_A, RDWR | CREAT).fork(0)
        .par([(0, [S().exit(0)]), (0, [S().fstat(0, 0)]),
              (1, [S().exit(0), S().fstat(0, 0)]),
              (0, [S().sendfd(0, 1, 0)])])
        .recvfd(1))
    return {k: bytes(v.b) if isinstance(v, S) else v
            for k, v in seeds.items()}


# ---------------------------------------------------------------- names
# open flags: raw access mode in bits 0-1
N_RDONLY, N_WRONLY, N_RDWR, N_ACC3 = 0, 1, 2, 3
N_EXTRA = 128
OPEN_CLOSE, OPEN_KEEP, UNLINK_, CLOSE_KEPT = range(4)


def nhdr(profile=0, buckets=4, maxfds_idx=0, umasks=0):
    return bytes([profile | (buckets - 1) << 1 | maxfds_idx << 5, umasks])


def p_raw(bs): return bytes([0, len(bs)]) + bs
def p_reuse(i): return bytes([1, i])
def p_long(extra, fill=0, z=False): return bytes([2, extra | (8 if z else 0), fill])
def p_slashes(n, a=False, slash=False, many=False):
    return bytes([3, (n - 1) | (0x20 if a else 0) | (0x40 if slash else 0)
                  | (0x80 if many else 0)])
def p_coll(i): return bytes([4, i])
def p_short(i): return bytes([5, i])
def p_special(i): return bytes([6, i])  # NULL, BADPTR, SHM_ANON, ""
def p_noslash(a): return bytes([7, a])


def n_open(p, path, flags, mode=0, keep=False, extra=None):
    b = bytes([(OPEN_KEEP if keep else OPEN_CLOSE) | p << 2]) + path
    if extra is not None:
        return b + bytes([flags | N_EXTRA, extra, mode])
    return b + bytes([flags, mode])


def n_unlink(p, path): return bytes([UNLINK_ | p << 2]) + path
def n_close(i): return bytes([CLOSE_KEPT | i << 2])


def names_seeds():
    C, X, T = 4, 8, 16
    seeds = {}
    for prof in (0, 1):
        tag = "2008" if prof else "current"
        seeds["basic-" + tag] = nhdr(prof) + (
            n_open(0, p_short(0), N_RDWR | C) + n_open(0, p_short(0), N_RDWR)
            + n_open(0, p_short(0), N_RDWR | C | X)
            + n_open(0, p_short(1), N_RDONLY) + n_unlink(0, p_short(0))
            + n_unlink(0, p_short(0)) + n_open(0, p_short(0), N_RDWR | C | T))
        seeds["collisions-" + tag] = nhdr(prof, buckets=1) + b"".join(
            n_open(0, p_coll(i), N_RDWR | C) for i in range(8)) + (
            n_unlink(0, p_coll(0)) + n_open(0, p_coll(1), N_RDWR)
            + n_open(0, p_coll(0), N_RDWR) + n_unlink(0, p_coll(3))
            + n_open(0, p_coll(2), N_RDONLY))
        seeds["long-" + tag] = nhdr(prof, buckets=16) + b"".join(
            n_open(0, p_long(e), N_RDWR | C) for e in range(8)) + b"".join(
            n_unlink(0, p_long(e)) for e in range(8)) + (
            n_open(0, p_long(3, 1, True), N_RDWR | C)
            + n_unlink(0, p_long(3, 1, True)))
        seeds["raw-" + tag] = nhdr(prof, buckets=2) + (
            n_open(0, p_raw(b"/a\x00b"), N_RDWR | C)
            + n_open(0, p_raw(b"/a"), N_RDWR)
            + n_open(0, p_raw(b"/\xff\xfe\x01"), N_RDWR | C)
            + n_open(0, p_raw(b"a/b"), N_RDWR | C)
            + n_open(0, p_raw(b""), N_RDWR | C)
            + n_open(0, p_raw(b"/x/y/z"), N_RDWR | C)
            + n_unlink(0, p_raw(b"/a\x00c")) + n_unlink(0, p_reuse(2)))
        seeds["slashes-" + tag] = nhdr(prof, buckets=3) + (
            n_open(0, p_slashes(1), N_RDWR | C)
            + n_open(0, p_slashes(2), N_RDWR | C)
            + n_open(0, p_slashes(5, a=True), N_RDWR | C)
            + n_open(0, p_slashes(3, a=True, slash=True), N_RDWR | C)
            + n_open(0, p_slashes(1, many=True), N_RDWR | C)
            + n_unlink(0, p_slashes(2)) + n_open(0, p_slashes(1), N_RDONLY))
        seeds["special-" + tag] = nhdr(prof) + b"".join(
            n_open(0, p_special(i), f) for i in range(4)
            for f in (N_RDWR | C, N_RDONLY)) + b"".join(
            n_unlink(0, p_special(i)) for i in range(4)) + (
            n_open(0, p_noslash(0), N_RDWR | C) + n_unlink(0, p_noslash(4)))
        seeds["flags-" + tag] = nhdr(prof, buckets=5) + b"".join(
            n_open(0, p_short(2), f) for f in range(128)) + b"".join(
            n_open(0, p_short(3), N_RDWR | C, extra=e) for e in range(8))
        # umasks: p0 022, p1 000, p2 077, p3 0777
        seeds["permissions-" + tag] = nhdr(prof, umasks=0b11100100) + (
            n_open(1, p_short(0), N_RDWR | C, 2)  # 0666 by uid 1000
            + n_open(2, p_short(0), N_RDWR) + n_open(3, p_short(0), N_RDWR)
            + n_open(2, p_short(1), N_RDWR | C, 7)  # 0640 & ~077
            + n_open(1, p_short(1), N_RDONLY) + n_open(3, p_short(1), N_RDONLY)
            + n_unlink(1, p_short(1)) + n_unlink(2, p_short(1))
            + n_open(3, p_short(2), N_RDWR | C, 6) + n_open(3, p_short(2), N_RDONLY)
            + n_open(0, p_short(2), N_RDWR) + n_unlink(1, p_short(0))
            + n_open(1, p_short(3), N_RDWR | C, 12)  # 0460
            + n_open(2, p_short(3), N_RDONLY) + n_open(3, p_short(3), N_RDONLY))
        seeds["keep-" + tag] = nhdr(prof, maxfds_idx=3) + (
            n_open(0, p_short(0), N_RDWR | C, keep=True)
            + n_open(0, p_short(1), N_RDWR | C, keep=True)
            + n_open(0, p_short(2), N_RDWR | C, keep=True)
            + n_open(0, p_short(3), N_RDWR | C)
            + n_open(0, p_special(2), N_RDWR) + n_unlink(0, p_short(0))
            + n_close(0) + n_open(0, p_short(0), N_RDWR | C, keep=True)
            + n_close(1) + n_close(0) + n_close(0))
    return seeds


# ---------------------------------------------------------------- dicts
SCENARIO_WORDS = """config spawn fork exec exit audit state pageout dump fault jail
thread par end once always profile= current 2008 page_size= hash_buckets=
max_files= max_fds= swap_pages= mem_pages= page_sizes= uid= gid= groups=
umask= jail= objects= shm= names= files= pages= swapped= inflight= size=
f_count= f_flag= f_offset= cloexec= shm_refs= shm_size= named= ref_count=
writemappings= resident_page_count= charge= start= end= offset= protection=
max_protection= cow= needs_copy= shadow_count=
mode= nlink= blocks= blksize= type= reg ok swap_reserve page_alloc copyin
obj_alloc pager_io or of pagedaemon""".split()


def q(b):
    """A libFuzzer dictionary value."""
    out = []
    for c in b:
        if c in (0x22, 0x5c) or c < 0x20 or c >= 0x7f:
            out.append("\\x%02x" % c)
        else:
            out.append(chr(c))
    return '"' + "".join(out) + '"'


def scenario_dict():
    words = list(SCENARIO_WORDS)
    calls = ("shm_open shm_open2 shm_unlink shm_rename memfd_create ftruncate "
             "fstat read pread write pwrite lseek close dup dup2 fcntl fchmod "
             "fchown posix_fallocate fspacectl ioctl umask mmap munmap "
             "mprotect load store sendfd recvfd fdinfo mapinfo").split()
    words += [c + "(" for c in calls]
    words += ("O_RDONLY O_WRONLY O_RDWR O_CREAT O_EXCL O_TRUNC O_CLOEXEC "
              "O_APPEND O_NONBLOCK O_CLOFORK SHM_ANON SHM_ALLOW_SEALING "
              "SHM_GROW_ON_WRITE SHM_LARGEPAGE F_DUPFD F_DUPFD_CLOEXEC "
              "F_GETFD F_SETFD F_GETFL F_SETFL FD_CLOEXEC F_ADD_SEALS "
              "F_GET_SEALS F_SEAL_SEAL F_SEAL_SHRINK F_SEAL_GROW F_SEAL_WRITE "
              "SEEK_SET SEEK_CUR SEEK_END SEEK_DATA SEEK_HOLE PAGE_SIZE NULL "
              "BADPTR FIONBIO FIOASYNC FIONREAD MFD_CLOEXEC MFD_ALLOW_SEALING "
              "ENOENT EEXIST EACCES EPERM EINVAL EBADF EMFILE ENFILE "
              "ENAMETOOLONG EFAULT ENOMEM EBUSY EOPNOTSUPP ENOSYS ESPIPE "
              "EAGAIN EIO EOVERFLOW SIGBUS SIGSEGV").split()
    syms = ["=>", "->", ": ", "(", ")", ", ", "|", "+", "*", "#", "##", "\n",
            '"/a"', '"/b"', '"x"*PAGE_SIZE', '"\\x00"', '"\\0"', '"\\xff"',
            '"/" + "a"*1023', "0600", "0644", "0x1000", "4K", "1M", "-1",
            "9223372036854775807", "p: ", "q: ", "t: ",
            "pagedaemon: pageout", "thread t of p", " or "]
    lines = ["# fuzz_scenario: words and symbols of the scenario language"]
    lines += [q(w.encode()) for w in words + syms]
    return "\n".join(lines) + "\n"


def names_dict():
    lines = ["# fuzz_names: path pieces and encoded operations "
             "(tools/shmsim/decode.c, run_names)"]
    pieces = [b"/", b"//", b"/a", b"\x00", b"/a\x00", b"\xff", b"/.", b"/..",
              b"a/b"] + [s.encode() for s in
                         ("/nwqiqu", "/psxybq", "/objpqe", "/kidgcq")]
    lines += [q(p) for p in pieces]
    ops = [n_open(0, p_short(0), 6), n_open(0, p_short(0), 2),
           n_open(0, p_short(0), 14), n_unlink(0, p_short(0)),
           n_open(0, p_coll(0), 6), n_open(0, p_long(4), 6),
           n_open(0, p_reuse(0), 2), n_unlink(0, p_reuse(0)),
           n_open(0, p_special(2), 2, keep=True), n_close(0)]
    lines += [q(o) for o in ops]
    return "\n".join(lines) + "\n"


def syscalls_dict():
    lines = ["# fuzz_syscalls: encoded calls (tools/shmsim/decode.c, "
             "run_syscalls)"]
    s = S()
    snippets = [
        S().open(0, N_A, RDWR | CREAT), S().open(0, N_ANON, RDWR),
        S().ftruncate(0, 0, "PS"), S().write(0, 0, "PS"),
        S().pread(0, 0, "PS", "0"), S().fork(0), S().sendfd(0, 1, 0),
        S().recvfd(1), S().pageout(), S().fault(PAGE_ALLOC, 1),
        S().fault(PAGER_IO, 1), S().fault(SWAP_RESERVE, 1, True),
        S().exec_(0), S().dup2(0, 0, 3), S().fcntl(0, 0, F_SETFD, "1"),
        S().unlink(0, N_A), S().close(0, 0), S().exit(1), S().spawn(1000),
        S().open2(0, N_A, 6, shmflags=1), S().rename(0, N_A, N_B),
        S().memfd(0, 0, 3), S().fallocate(0, 0, "0", "PS"),
        S().fspacectl(0, 0, "1", "PS"), S().ioctl(0, 0, 5, 1),
        # concurrent segments: 2 actors (no schedule bytes, six), 3
        # actors, a thread of p1 next to p1, the pagedaemon
        S().par([(0, [S().close(0, 0)]), (1, [S().open(0, N_A, RDWR)])]),
        S().par([(0, [S().unlink(0, N_A)]), (1, [S().open(0, N_A, RDWR)])],
                (0, 1, 0, 1, 1, 0)),
        S().par([(0, [S().close(0, 0)]), (0, [S().dup(0, 0)]),
                 (PAGEDAEMON, [0])], (1, 2, 1, 2))]
    hlen = len(s.b)
    lines += [q(bytes(x.b[hlen:])) for x in snippets]
    lines += [q(b) for b in (b"\xff\x00", b"\xff\x01", b"\xff\x02",
                             b"\xff\x20", b"\x01\x01\x01\x01",
                             b"\x00\x00\x00\x01", b"\x02\x01\x02\x01")]
    return "\n".join(lines) + "\n"


def write_dir(d, files):
    os.makedirs(d, exist_ok=True)
    for f in glob.glob(os.path.join(d, "seed-*")):
        os.unlink(f)
    for name, data in sorted(files.items()):
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shmsim", help="a built shmsim, to add the decoded "
                    "syscalls and names seeds to the scenario corpus")
    a = ap.parse_args()
    corpus = os.path.join(FUZZ, "corpus")
    sysc = syscalls_seeds()
    names = names_seeds()
    write_dir(os.path.join(corpus, "syscalls"), sysc)
    write_dir(os.path.join(corpus, "names"), names)
    scen = {}
    for f in sorted(glob.glob(os.path.join(TOP, "tests", "scenarios", "**",
                                           "*.shm"), recursive=True)):
        rel = os.path.relpath(f, os.path.join(TOP, "tests", "scenarios"))
        with open(f, "rb") as fh:
            scen[rel.replace(os.sep, "-")] = fh.read()
    if a.shmsim:
        tmpdir = tempfile.mkdtemp()
        for tgt, seeds in (("syscalls", sysc), ("names", names)):
            for name, data in seeds.items():
                # Named as in the corpus: decode prints the name.
                tmp = os.path.join(tmpdir, "seed-" + name)
                with open(tmp, "wb") as fh:
                    fh.write(data)
                out = subprocess.run([os.path.abspath(a.shmsim), "decode", tgt,
                                      "seed-" + name], cwd=tmpdir,
                                     capture_output=True, check=False)
                os.unlink(tmp)
                scen["decoded-%s-%s.shm" % (tgt, name)] = out.stdout
        os.rmdir(tmpdir)
    write_dir(os.path.join(corpus, "scenario"), scen)
    for tgt, text in (("names", names_dict()), ("syscalls", syscalls_dict()),
                      ("scenario", scenario_dict())):
        with open(os.path.join(FUZZ, tgt + ".dict"), "w") as fh:
            fh.write(text)
    print("seeds: %d names, %d syscalls, %d scenario" %
          (len(names), len(sysc), len(scen)))


if __name__ == "__main__":
    sys.exit(main())
