// The JSON Schemas of docs/schemas/: each compiles (strict), docs/json.md lists each one, every
// command with a --json option (and report's json format) has one, and the notification payload of
// every kind of event fits its schema. The e2e test (test/e2e/cli/json-outputs.test.ts) validates
// the commands' real output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../../src/cli/registry.js';
import { drillEvent, finishEvent, hostEvent, recoveredEvent, restoreEvent, staleEvent, startEvent, unitFailedEvent } from '../../../src/notify/event.js';
import { eventLine, eventPayload } from '../../../src/notify/payload.js';
import { utcTime } from '../../../src/util/json-doc.js';
import { SCHEMA_DIR, schemaNames, schemaProblems, schemaValidators } from '../../harness/json-schemas.js';

const page = readFileSync(join(SCHEMA_DIR, '..', 'json.md'), 'utf8');

describe('docs/schemas', () => {
  it('compiles every schema in strict mode, each naming schema_version as required', () => {
    expect(schemaValidators().size).toBeGreaterThan(0);
    for (const name of schemaNames()) {
      const s = JSON.parse(readFileSync(join(SCHEMA_DIR, `${name}.schema.json`), 'utf8')) as { required: string[]; additionalProperties: boolean };
      expect(s.required, name).toContain('schema_version');
      expect(s.additionalProperties, name).toBe(false);
    }
  });

  it('has a schema, listed in docs/json.md, for every command that prints JSON and for the notification payload', () => {
    const printing = commands.filter((c) => c.options && 'json' in c.options).map((c) => c.name);
    expect(printing.sort()).toEqual(['diff', 'drill', 'find', 'list', 'ls', 'status']);
    const expected = [...printing, 'report', 'event'].sort();
    expect(schemaNames()).toEqual(expected);
    for (const name of expected) expect(page, name).toContain(`(schemas/${name}.schema.json)`);
  });
});

describe('the notification payload', () => {
  const events = [
    startEvent('run', 7, ['web-1']),
    hostEvent(7, { host: 'web-1', status: 'failed', problems: ['pull data: ssh connection failed'], checks: [] }, [{ host: 'web-1', step: 'pull', source: 'data', status: 'failed', error: 'ssh connection failed' }]),
    hostEvent(7, { host: 'web-2', status: 'ok', archive: 'web-2-20261207T020000Z', partial: 'failed db', problems: [], checks: ['repository'] }, []),
    finishEvent('run', 7, 'failed', 'HOST   STATUS\nweb-1  FAILED\nweb-2  OK\nweb-3  OK\nweb-4  OK'),
    drillEvent(8, { host: 'web-1', status: 'ok', archive: 'web-1-20261207T020000Z', seed: 'abc' }, []),
    restoreEvent('end', { restoreId: 3, kind: 'restore', host: 'web-1', target: 'web-1', archive: 'web-1-20261207T020000Z', status: 'failed', error: 'refused' }),
    staleEvent({ host: 'web-1', source: 'data', lastSuccess: '2026-12-05T02:00:00.000Z', ageSeconds: 180000, maxAgeSeconds: 93600 }),
    recoveredEvent({ host: 'web-1', offsite: 's3', staleSince: '2026-12-05T02:00:00.000Z' }),
    unitFailedEvent('pullback-run.service'),
  ];

  it.each(events.map((e) => [e.title, e] as const))('fits the schema: %s', (_, e) => {
    const p = eventPayload(e, 'backup-1') as Record<string, unknown>;
    expect(schemaProblems('event', p)).toEqual([]);
    expect(Object.keys(p).slice(0, 1)).toEqual(['schema_version']);
    expect(p.backup_host).toBe('backup-1');
    expect(p.text).not.toMatch(/\n/);
    expect(String(p.text).startsWith(e.title)).toBe(true);
  });

  it('says a long summary in one line of at most 500 characters, with how many lines it left out', () => {
    const line = eventLine({ title: 'pullback run FAILED', summary: Array.from({ length: 40 }, (_, i) => `  host-${i}  FAILED  ${'x'.repeat(60)}`).join('\n') });
    expect(line.length).toBeLessThanOrEqual(500);
    expect(line).toMatch(/^pullback run FAILED \| host-0 {2}FAILED/);
    expect(eventLine({ title: 't', summary: 'a\nb\nc\nd\ne' })).toBe('t | a | b | c | (2 more line(s))');
  });

  it('refuses a payload that drifted: a camelCase field, a time without its zone, no text', () => {
    const p = eventPayload(events[1]!, 'backup-1') as Record<string, unknown>;
    expect(schemaProblems('event', { ...p, runId: 7 })).not.toEqual([]);
    expect(schemaProblems('event', { ...p, at: '2026-12-07T02:00:00' })).not.toEqual([]);
    const { text: _, ...noText } = p;
    expect(schemaProblems('event', noText)).not.toEqual([]);
    expect(schemaProblems('event', { ...p, details: { restoreId: 3 } })).not.toEqual([]);
  });
});

describe('utcTime', () => {
  it('gives UTC with its Z, reading a zoneless time (as borg writes it) as local time', () => {
    expect(utcTime('2026-12-07T02:00:13.000Z')).toBe('2026-12-07T02:00:13.000Z');
    expect(utcTime('2026-01-01T00:00:00.123456')).toBe(new Date(2026, 0, 1, 0, 0, 0, 123).toISOString());
    expect(() => utcTime('yesterday')).toThrow(/not a time/);
  });
});
