"""A process's machine, gone from the network: every packet of its TCP connections dropped.

A killed process's sockets close, and the other end knows at once. A machine that loses power
or its network closes nothing: the other ends hear silence, and PostgreSQL finds the sessions
dead only by its TCP keepalives. To play that on one machine, the process is frozen (SIGSTOP:
it sends nothing new) and iptables drops every packet to or from its connections' local ports
on the loopback interface (so the kernel's own answers to keepalive probes are lost too).

The rules go in a chain of their own, removed at the end. It needs root and iptables: where
they are missing, `cut_off_available` says why, and the test that needs it is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LISTEN = "0A"  # the state of a listening socket in /proc/net/tcp
CHAIN = "DUBAN_CUT_"  # + the test process's id


def cut_off_available() -> str | None:
    """Why a connection cannot be cut here (None if it can)."""
    if os.geteuid() != 0:
        return "cutting connections needs root (iptables)"
    if shutil.which("iptables") is None:
        return "iptables is not installed"
    probe = subprocess.run(["iptables", "-w", "-n", "-L", "INPUT"], capture_output=True)
    if probe.returncode != 0:
        return f"iptables cannot be used here: {probe.stderr.decode().strip()}"
    return None


def tcp_connections(pid: int) -> set[tuple[int, int]]:
    """The TCP connections process `pid` has open (not its listening sockets), as their local
    and remote ports."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if inode in inodes and state != LISTEN:
                ports.add((_port(local), _port(remote)))
    return ports


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


@contextmanager
def cut_off(connections: set[tuple[int, int]]) -> Iterator[None]:
    """Drop every packet of these connections (`tcp_connections`) on the loopback interface,
    both ways, until the end of the block."""
    chain = f"{CHAIN}{os.getpid()}"
    _remove_left_behind()
    _iptables("-N", chain)
    try:
        _iptables("-I", "INPUT", "-i", "lo", "-j", chain)
        try:
            for local, remote in sorted(connections):
                for one, other in ((local, remote), (remote, local)):
                    _iptables("-A", chain, "-p", "tcp", "--sport", str(one), "--dport",
                             str(other), "-j", "DROP")  # fmt: skip
            yield
        finally:
            _iptables("-D", "INPUT", "-i", "lo", "-j", chain)
    finally:
        _iptables("-F", chain)
        _iptables("-X", chain)


def _remove_left_behind() -> None:
    """The chains of test runs killed before they could remove them (their process gone)."""
    listed = subprocess.run(["iptables", "-w", "-S"], capture_output=True, text=True, check=True)
    for line in listed.stdout.splitlines():
        if not line.startswith(f"-N {CHAIN}"):
            continue
        chain = line.split()[1]
        if Path(f"/proc/{chain.removeprefix(CHAIN)}").exists():
            continue  # a run under way
        subprocess.run(["iptables", "-w", "-D", "INPUT", "-i", "lo", "-j", chain],
                       capture_output=True)  # fmt: skip
        _iptables("-F", chain)
        _iptables("-X", chain)


def _iptables(*args: str) -> None:
    subprocess.run(["iptables", "-w", *args], check=True, capture_output=True)
