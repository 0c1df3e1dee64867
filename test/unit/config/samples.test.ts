import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exampleOf, renderConfigDocs, toYaml } from '../../../src/config/docs.js';
import { configSchema, loadConfig, type SchemaNode } from '../../../src/config/index.js';
import { writeConfig } from './fixture.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every key of a schema, with its path. */
function options(node: SchemaNode, prefix = ''): Array<[string, SchemaNode]> {
  const out: Array<[string, SchemaNode]> = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    out.push([key, child]);
    if (child.type === 'object') out.push(...options(child, key));
    if (child.type === 'array' && child.items?.type === 'object') out.push(...options(child.items, `${key}[]`));
  }
  return out;
}

describe('samples and docs', () => {
  it('pullback.example.yaml with hosts/ validates', () => {
    const config = loadConfig(join(ROOT, 'pullback.example.yaml'));
    expect(config.global.hostsDir).toBe(join(ROOT, 'hosts'));
    expect(config.global.repository.compression).toBe('auto,zstd,3');
    const host = config.hosts.find((h) => h.name === 'main-server');
    expect(host?.sources.map((s) => [s.name, s.kind, s.path])).toEqual([
      ['db', 'database', '/datajoint-db/dumps'],
      ['blobs', 'blobs', '/datajoint-db/blobs'],
      ['data', 'data', '/datajoint-data'],
    ]);
  });

  it('the commented dump and restore example in hosts/main-server.yaml validates once uncommented', () => {
    const text = readFileSync(join(ROOT, 'hosts/main-server.yaml'), 'utf8');
    const lines = text.split('\n');
    const dumpStart = lines.indexOf('#  - name: db');
    const dumpBlock = lines.slice(dumpStart, lines.indexOf('#', dumpStart)).map((l) => l.slice(1));
    const restoreBlock = lines.slice(lines.indexOf('# restore:')).filter((l) => l.startsWith('#')).map((l) => l.slice(2));
    const host = ['name: sample', 'address: 10.0.0.5', 'user: backup', 'sources:', ...dumpBlock, ...restoreBlock].join('\n');
    const config = loadConfig(writeConfig(readFileSync(join(ROOT, 'pullback.example.yaml'), 'utf8'), { 'sample.yaml': host }));
    const h = config.hosts[0]!;
    expect(h.sources[0]?.dump?.engine).toBe('postgres');
    expect(h.restore.checks.map((c) => c.name)).toEqual(['users present', 'app answers', 'service active']);
  });

  it('the commented offsite example in pullback.example.yaml validates once uncommented', () => {
    const text = readFileSync(join(ROOT, 'pullback.example.yaml'), 'utf8');
    const lines = text.split('\n');
    const block = lines.slice(lines.indexOf('# offsite:')).filter((l) => l.startsWith('#')).map((l) => l.slice(2));
    const config = loadConfig(writeConfig([text, ...block].join('\n'), { 'sample.yaml': 'name: sample\naddress: 10.0.0.5\nuser: backup\nsources:\n  - {name: d, kind: data, path: /d}\n' }));
    expect(config.global.offsite.map((t) => `${t.name} ${t.kind}`)).toEqual(['cold rclone', 'dr-site borg']);
    expect(config.global.offsite[0]).toMatchObject({ bwlimitBytes: 20 * 1024 * 1024, window: { start: 60, end: 360 }, after: 'check', maxShrink: 0.5 });
  });

  it('every option has a description and an example; optional ones say their default', () => {
    for (const schema of [configSchema.global, configSchema.host]) {
      for (const [key, node] of options(schema)) {
        expect(node.description, key).toBeTruthy();
        if (node.type !== 'object') expect(node.examples?.length, key).toBeGreaterThan(0);
      }
    }
  });

  it('the full examples generated from the schema validate', () => {
    const global = toYaml({ ...(exampleOf(configSchema.global) as object), hosts_dir: 'hosts' });
    const config = loadConfig(writeConfig(global, { 'main-server.yaml': toYaml(exampleOf(configSchema.host)) }));
    expect(config.global.repository.compression).toBe('zstd,22');
    expect(config.hosts[0]!.restore.checks).toHaveLength(3);
  });

  it('docs/configuration.md is the generated reference', () => {
    expect(readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8')).toBe(renderConfigDocs());
  });

  it('documents every key', () => {
    const docs = renderConfigDocs();
    for (const schema of [configSchema.global, configSchema.host]) {
      for (const [key] of options(schema)) expect(docs).toContain(`### \`${key}\``);
    }
  });
});
