#!/usr/bin/python3
# rsync's remote shell in test/unit/remote/pullback-gate-swap.test.ts: the real pullback-gate
# (GATE, loaded as a module) checks the request as under sshd (policy: GATE_POLICY, a JSON list),
# and the root is swapped at the point GATE_SWAP names, so the race is run deterministically:
#   exec   after every check, just before the allowed argv is executed
#   enter  after the request's checks, before the gate opens the directory
#   lstat  after the gate opened the directory, before it compares it with an lstat of the path
# The swap (GATE_SWAP_ROOT, renamed to GATE_SWAP_ROOT.moved) puts a symlink to GATE_SWAP_TO in its
# place, or with GATE_SWAP_TO empty a new real (empty) directory.
import importlib.machinery
import importlib.util
import json
import os
import shlex
import sys

loader = importlib.machinery.SourceFileLoader('pullback_gate', os.environ['GATE'])
spec = importlib.util.spec_from_loader('pullback_gate', loader)
gate = importlib.util.module_from_spec(spec)
loader.exec_module(gate)

when = os.environ['GATE_SWAP']
root = os.environ['GATE_SWAP_ROOT']


def swap():
    os.rename(root, root + '.moved')
    if os.environ['GATE_SWAP_TO']:
        os.symlink(os.environ['GATE_SWAP_TO'], root)
    else:
        os.mkdir(root)


if when == 'enter':
    enter = gate.enter_directory

    def swapped_then_enter(path, allowed):
        swap()
        return enter(path, allowed)

    gate.enter_directory = swapped_then_enter
elif when == 'lstat':
    fstat = os.fstat

    def fstat_then_swap(fd):
        got = fstat(fd)
        os.fstat = fstat
        swap()
        return got

    os.fstat = fstat_then_swap

# argv[1] is the host rsync names; the rest is the remote command, as sshd would hand it over.
command = shlex.join(sys.argv[2:])
try:
    run, _ = gate.request(['pullback-gate'] + json.loads(os.environ['GATE_POLICY']), {'SSH_ORIGINAL_COMMAND': command})
except gate.Refused as e:
    sys.exit(gate.refuse(str(e)))
if when == 'exec':
    swap()
os.execv(run[0], run)
