// Generates docs/configuration.md from the schema, so the reference can never drift from the code.
// Run as a script (`node dist/config/docs.js`) it prints the document.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Document, isScalar, visit } from 'yaml';
import { globalSchema, hostSchema } from './schema.js';
import type { SchemaNode } from './schema-node.js';

const INTRO = `# Configuration

<!-- Generated from src/config/schema-*.ts by \`npm run docs\`; do not edit by hand. -->

pullback reads one **global file** and one **host file** per main server:

- The global file is given by \`--config FILE\`, else \`$PULLBACK_CONFIG\`, else \`/etc/pullback/pullback.yaml\`.
- Host files are every \`*.yaml\` and \`*.yml\` file in \`hosts_dir\` (default \`hosts\`, next to the global file), read in name order.

\`pullback validate\` checks everything and reports every problem at once, each with its file, line and key
(for example \`hosts/web.yaml:7: sources[1].kind: must be one of database, blobs, data (got 'db')\`), and exits 2.
Any other command given a bad configuration stops with the same messages.

Values:

- **Durations** are a whole number of seconds or a number with a unit: \`s\`, \`m\`, \`h\`, \`d\` (\`90m\`, \`26h\`).
- **Sizes** are a whole number of bytes or a number with \`K\`, \`M\`, \`G\` or \`T\` (powers of 1024; \`512M\`, \`2GiB\`).
- **Local paths** (on the machine running pullback) may be relative: they are resolved against the directory of the file they appear in.
  Paths on main servers must be absolute. Files named in the configuration are not checked for existence by \`validate\`.
- Unknown keys are errors.

Rules that involve more than one key:

- \`repository.passphrase_file\` is required unless \`repository.encryption\` is \`none\`; at least one \`retention\` count is above 0.
- Host names are unique across host files; source names are unique within a host.
- \`dump\`, \`max_age\` and \`pitr\` are only allowed on \`database\` sources; \`pitr\` with a \`dump\` only for \`engine: postgres\`.
- For \`engine: sqlite\`, \`databases\` lists absolute paths of database files (\`all\` is not possible).
- Each \`restore.checks\` entry has exactly one of \`sql\`, \`http\`, \`command\`; \`sql.source\` names a database source of the same host.
- Each \`notify\` entry has exactly one of \`webhook\`, \`command\`, \`healthchecks\`, \`email\`; \`headers\` only on a webhook, each with exactly one of \`value\`, \`value_file\`; \`email\` has exactly one of \`sendmail\`, \`smtp\`.
`;

/** The example value of a node: its own example, else built from its keys' examples. */
export function exampleOf(node: SchemaNode): unknown {
  if (node.examples?.length) return node.examples[0];
  if (node.type === 'object' && node.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node.properties)) {
      const ex = exampleOf(v);
      if (ex !== undefined) out[k] = ex;
    }
    return out;
  }
  return undefined;
}

function typeOf(node: SchemaNode): string {
  switch (node.valueKind) {
    case 'duration':
      return 'duration';
    case 'size':
      return 'size';
    case 'local-path':
      return 'local path';
    case 'remote-path':
      return 'absolute path on the main server';
  }
  if (node.enum) return `one of ${node.enum.map((v) => `\`${v}\``).join(', ')}`;
  if (Array.isArray(node.type)) return node.patternDescription ?? node.type.join(' or ');
  switch (node.type) {
    case 'object':
      return 'mapping';
    case 'array':
      return node.items?.type === 'array' ? 'list of commands (argv lists)' : node.items?.type === 'object' ? 'list of mappings' : `list of ${node.items ? typeOf(node.items) : 'values'}`;
    case 'string':
      return node.patternDescription ? `text: ${node.patternDescription}` : 'text';
    case 'integer': {
      const range = node.maximum !== undefined ? `${node.minimum ?? ''}-${node.maximum}` : node.minimum !== undefined ? `>= ${node.minimum}` : '';
      return range ? `integer (${range})` : 'integer';
    }
    case 'number':
      return node.minimum !== undefined ? `number (>= ${node.minimum})` : 'number';
    default:
      return String(node.type);
  }
}

/** YAML text of a value, with lists of plain values written inline (`[a, b]`) as people write them. */
export function toYaml(value: unknown, flow = false): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      if (flow || node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Map(_, node) {
      if (flow) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function inline(value: unknown): string {
  const text = typeof value === 'string' ? value : toYaml(value, true).trim();
  return `\`${text}\``;
}

function isComplex(node: SchemaNode): boolean {
  return node.type === 'object' || (node.type === 'array' && node.items?.type === 'object');
}

function keySections(node: SchemaNode, prefix: string, out: string[]): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    const lines = [`### \`${key}\``, '', child.description ?? '', ''];
    lines.push(`- Type: ${typeOf(child)}`);
    lines.push(`- Required: ${node.required?.includes(name) ? 'yes' : 'no'}`);
    if (child.default !== undefined) lines.push(`- Default: ${inline(child.default)}`);
    else if (child.defaultText) lines.push(`- Default: ${child.defaultText}`);
    if (!isComplex(child) && child.examples?.length) lines.push(`- Example: ${inline(child.examples[0])}`);
    out.push(lines.join('\n'));
    if (child.type === 'object') keySections(child, key, out);
    if (child.type === 'array' && child.items?.type === 'object') keySections(child.items, `${key}[]`, out);
  }
}

function fileSection(title: string, node: SchemaNode): string {
  const out = [`## ${title}`, '', node.description ?? '', '', 'A full example (every key shown):', '', '```yaml', toYaml(exampleOf(node)).trimEnd(), '```'];
  const keys: string[] = [];
  keySections(node, '', keys);
  return [...out, '', ...keys.flatMap((k) => [k, ''])].join('\n');
}

/** The markdown reference of every configuration key (docs/configuration.md). */
export function renderConfigDocs(): string {
  return [INTRO, fileSection('The global file (`pullback.yaml`)', globalSchema), fileSection('Host files (`hosts_dir/<name>.yaml`)', hostSchema)].join('\n').trimEnd() + '\n';
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isMain()) process.stdout.write(renderConfigDocs());
