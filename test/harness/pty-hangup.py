# Runs argv on a new pseudo-terminal, reading (and dropping) what it prints. When a line arrives on
# stdin it closes the terminal, as sshd does when an SSH session drops, and prints the exit status.
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
print(pid, flush=True)
while True:
    ready, _, _ = select.select([fd, 0], [], [])
    if 0 in ready:
        os.read(0, 4096)
        break
    try:
        if not os.read(fd, 65536):
            break
    except OSError:
        break
os.close(fd)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status), flush=True)
