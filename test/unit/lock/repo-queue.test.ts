// Jobs on one repository run one after the other; other repositories are not held up; a failure
// does not block the queue.
import { describe, expect, it } from 'vitest';
import { withRepository } from '../../../src/lock/repo-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('withRepository', () => {
  it('serialises jobs of one repository and lets another run beside them', async () => {
    const log: string[] = [];
    const job = (repo: string, name: string) =>
      withRepository(repo, async () => {
        log.push(`${name} start`);
        await tick();
        log.push(`${name} end`);
        return name;
      });
    const results = await Promise.all([job('/r1', 'a'), job('/r1', 'b'), job('/r2', 'c')]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log.indexOf('a end')).toBeLessThan(log.indexOf('b start'));
    expect(log.indexOf('c start')).toBeLessThan(log.indexOf('a end'));
  });

  it('goes on after a job that failed', async () => {
    const failed = withRepository('/r3', async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(withRepository('/r3', async () => 'next')).resolves.toBe('next');
  });
});
