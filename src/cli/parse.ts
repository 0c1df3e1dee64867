// Parsing one command line against a command's option specs, with pullback's own messages for
// unknown options, missing values and stray arguments (never Node's parseArgs wording). Pure.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

import type { OptionDef, OptionSpec, Values } from '../commands/spec.js';

export type { OptionDef, OptionSpec, Values };

export interface Parsed {
  values: Values;
  positionals: string[];
}

/** How an option is written in help and messages: `-H, --host NAME`. */
export function optionLabel(name: string, def: OptionDef): string {
  const long = `--${name}${def.type === 'string' ? ` ${def.value ?? 'VALUE'}` : ''}`;
  return def.short ? `-${def.short}, ${long}` : `    ${long}`;
}

/** The `Options:` block of a help text: every option with its description, aligned. */
export function formatOptions(title: string, options: OptionSpec): string[] {
  const entries = Object.entries(options);
  if (entries.length === 0) return [];
  const labels = entries.map(([n, d]) => optionLabel(n, d));
  const width = Math.max(...labels.map((l) => l.length));
  return [title, ...entries.map(([, d], i) => `  ${labels[i]!.padEnd(width)}  ${d.description}`)];
}

/**
 * Parses `argv` against `options`; throws UsageError (message without the usage, which the caller
 * appends) for an unknown option, a string option without its value, a value given to a flag, or
 * a positional argument beyond `maxPositionals`.
 */
export function parseCommandLine(argv: string[], options: OptionSpec, maxPositionals = Infinity): Parsed {
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, d] of Object.entries(options)) config[name] = { type: d.type, ...(d.short ? { short: d.short } : {}), ...(d.multiple ? { multiple: true } : {}) };
  // strict: false so that every problem is ours to word; the tokens say exactly what was written.
  const { tokens } = parseArgs({ args: argv, options: config, allowPositionals: true, strict: false, tokens: true });
  const values: Values = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') {
      if (positionals.length >= maxPositionals) throw new UsageError(`unexpected argument '${t.value}'`);
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    const def = options[t.name];
    if (!def) throw new UsageError(`unknown option '${t.rawName}'`);
    const label = `--${t.name}`;
    let value: string | boolean;
    if (def.type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`option ${label} takes no value (got '${t.value}')`);
      value = true;
    } else {
      // `--host --json`: the next word is an option, so the value was forgotten (use --host=-x for a dash).
      // A dash and a digit (`--sample -3`, `--since -5h`) is a value the command then judges: no
      // option is spelt that way, and "needs a value" would hide what is wrong with it.
      if (t.value === undefined || (!t.inlineValue && t.value.startsWith('-') && !/^-\d/.test(t.value))) {
        throw new UsageError(`option ${label} needs a value: ${label} ${def.value ?? 'VALUE'}`);
      }
      value = t.value;
    }
    if (def.multiple) values[t.name] = [...((values[t.name] as Array<string | boolean> | undefined) ?? []), value] as string[] | boolean[];
    else values[t.name] = value;
  }
  return { values, positionals };
}
