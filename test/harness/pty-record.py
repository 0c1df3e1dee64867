# Runs argv on a new pseudo-terminal (120 columns) and prints everything it wrote there, raw
# (escape codes and \r included), then a last line with its exit status: what a person at a
# terminal would have seen, for tests of progress output. $PTY_INPUT, when set, is typed on the
# terminal at once (the terminal holds it until the program reads).
import fcntl, os, pty, struct, sys, termios
typed = os.environ.pop('PTY_INPUT', None)
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(sys.stdout.fileno(), termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
if typed is not None:
    os.write(fd, typed.encode())
out = sys.stdout.buffer
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out.write(data)
os.close(fd)
_, status = os.waitpid(pid, 0)
out.write(f'\nexit {os.waitstatus_to_exitcode(status)}\n'.encode())
out.flush()
