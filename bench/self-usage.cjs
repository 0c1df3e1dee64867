// Preloaded into the pullback process by the benchmark (node --require): at exit, writes the
// process's own CPU time and peak RSS (VmHWM: this process only, not its children) and its waited
// children's CPU time (rsync, ssh, borg) to $PULLBACK_BENCH_USAGE as JSON.
const { readFileSync, writeFileSync } = require('node:fs');

const file = process.env.PULLBACK_BENCH_USAGE;
if (file) {
  process.on('exit', () => {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after "(comm)": state is field 3, so utime (14) .. cstime (17) are at 11 .. 14 here.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tick = 100; // USER_HZ on Linux
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    writeFileSync(
      file,
      JSON.stringify({
        selfCpuS: (Number(f[11]) + Number(f[12])) / tick,
        childrenCpuS: (Number(f[13]) + Number(f[14])) / tick,
        peakRssMiB: hwm ? Number(hwm[1]) / 1024 : undefined,
      }),
    );
  });
}
