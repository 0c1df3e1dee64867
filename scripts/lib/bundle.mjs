// Bundles the CLI into one file, dist/cli/main.js (after tsc has type-checked and emitted the
// tree). Why: Node 20 loads ES modules one file at a time (resolve, stat, read, link); pullback's
// ~370 own modules and ~500 of its dependencies' took 0.23 s of every command's start, before any
// work, on every nightly run, drill and status call. One file loads in a third of that
// (scripts/bench figures 3-5, and docs/performance.md "Start-up").
//
// Left outside the bundle, loaded from node_modules as before:
// - native addons (better-sqlite3; ssh2, whose optional crypto binding and cpu-features are found
//   by require() at run time);
// - what a command loads only when it needs it (vega and vega-lite for the report's charts,
//   nodemailer for mail, prom-client for metrics, kysely and pg for a fleet's PostgreSQL catalog):
//   bundled, every command would parse them.
// The rest of dist/ stays as tsc wrote it (node dist/config/docs.js).
//
// The configuration validators are compiled here, once, into ajv's standalone code
// (dist/config/validators.standalone.js), and the bundle carries that code in place of
// src/config/compile-validators.ts, which compiles the schema with ajv at run time (50 ms of
// every command's start). Same schema, same ajv options (configAjv): the CLI's config tests
// check the precompiled validators, the unit tests the run-time ones.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import standalone from 'ajv/dist/standalone/index.js';
import { configAjv } from '../../dist/config/compile-validators.js';
import { globalSchema } from '../../dist/config/schema-global.js';
import { hostSchema } from '../../dist/config/schema-host.js';

// The same schemas as JSON Schema files in the package (dist/schema/), for editors and other tools:
// `# yaml-language-server: $schema=...` in a config file, or any JSON Schema validator.
mkdirSync(resolve('dist/schema'), { recursive: true });
for (const [kind, schema] of [['global', globalSchema], ['host', hostSchema]]) {
  const doc = { $schema: 'http://json-schema.org/draft-07/schema#', $id: `https://pullback.invalid/schema/pullback-${kind}.schema.json`, title: `pullback ${kind} file`, ...schema };
  writeFileSync(resolve(`dist/schema/pullback-${kind}.schema.json`), `${JSON.stringify(doc, null, 2)}\n`);
}

const ajv = configAjv({ source: true, esm: true });
ajv.addSchema(globalSchema, 'global').addSchema(hostSchema, 'host');
const standaloneFile = resolve('dist/config/validators.standalone.js');
writeFileSync(standaloneFile, (standalone.default ?? standalone)(ajv, { global: 'global', host: 'host' }));

/** Resolves src/config/compile-validators.js to a module that hands out the precompiled validators. */
const precompiledValidators = {
  name: 'precompiled-validators',
  setup(b) {
    b.onResolve({ filter: /\/compile-validators\.js$/ }, () => ({ path: 'precompiled', namespace: 'validators' }));
    b.onLoad({ filter: /.*/, namespace: 'validators' }, () => ({
      resolveDir: resolve('dist/config'),
      contents: `import { global, host } from ${JSON.stringify(standaloneFile)};\nexport function compileValidators() { return { global, host }; }\n`,
    }));
  },
};

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli/main.js',
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [precompiledValidators],
  external: ['better-sqlite3', 'ssh2', 'vega', 'vega-lite', 'nodemailer', 'nodemailer/*', 'prom-client', 'kysely', 'pg'],
  // CommonJS dependencies bundled into an ES module still call require() for Node's own modules.
  banner: { js: "import { createRequire as pullbackCreateRequire } from 'node:module';\nconst require = pullbackCreateRequire(import.meta.url);" },
});
