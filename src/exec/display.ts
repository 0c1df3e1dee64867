// How a command is shown to people and logs: argv quoted where needed, secrets masked.

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** The command as one readable line, each argument quoted if it is not plain, secrets replaced by ***. */
export function displayCommand(file: string, args: readonly string[], secrets: readonly string[] = []): string {
  return [file, ...args].map((a) => displayArg(mask(a, secrets))).join(' ');
}

function mask(arg: string, secrets: readonly string[]): string {
  let out = arg;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

function displayArg(a: string): string {
  if (a !== '' && PLAIN.test(a)) return a;
  return JSON.stringify(a);
}
