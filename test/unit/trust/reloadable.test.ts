import { mkdtempSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { files, Reloadable } from '../../../services/core/src/trust/reloadable.ts';

function parsed(path: string) {
  return async () => {
    const { readFile } = await import('node:fs/promises');
    const v = JSON.parse(await readFile(path, 'utf8')) as { n?: unknown };
    if (typeof v.n !== 'number') throw new Error('n must be a number');
    return v.n;
  };
}

describe('Reloadable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-reload-'));
  const file = join(dir, 'value.json');
  const write = (text: string) => {
    // As an operator's copy does: a new file renamed over the old one.
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };

  test('takes a changed file, refuses a bad one and keeps the last good value, then takes the next good one', async () => {
    write('{"n":1}');
    const r = await Reloadable.open(files(file), parsed(file), { intervalMs: 60_000, what: 'test value' });
    const seen: number[] = [];
    r.onChange((v) => void seen.push(v));
    expect(r.current).toBe(1);
    const v1 = r.version;
    expect(await r.check()).toBe(false);

    write('{"n":2}');
    expect(await r.check()).toBe(true);
    expect(r.current).toBe(2);
    expect(r.version).not.toBe(v1);

    write('{"n":'); // half a file
    expect(await r.check()).toBe(false);
    expect(r.current).toBe(2);
    expect(r.status().problem).toMatch(/JSON|Unexpected|end/i);
    write('{"n":"three"}');
    expect(await r.check()).toBe(false);
    expect(r.status().problem).toBe('n must be a number');

    write('{"n":3}');
    expect(await r.check()).toBe(true);
    expect(r.current).toBe(3);
    expect(r.status().problem).toBeUndefined();
    expect(seen).toEqual([2, 3]);
  });

  test('equal bytes give equal versions wherever the files are', async () => {
    const other = mkdtempSync(join(tmpdir(), 'mx-reload-'));
    write('{"n":7}');
    writeFileSync(join(other, 'value.json'), '{"n":7}');
    const a = await Reloadable.open(files(file), parsed(file), { intervalMs: 60_000, what: 'a' });
    const b = await Reloadable.open(files(join(other, 'value.json')), parsed(join(other, 'value.json')), { intervalMs: 60_000, what: 'b' });
    expect(a.version).toBe(b.version);
  });

  test('the first value must build: there is no last good one to keep', async () => {
    write('nonsense');
    await expect(Reloadable.open(files(file), parsed(file), { intervalMs: 60_000, what: 'test value' })).rejects.toThrow();
  });

  test('start() polls until stop()', async () => {
    write('{"n":10}');
    const r = await Reloadable.open(files(file), parsed(file), { intervalMs: 20, what: 'test value' });
    const changed = new Promise<number>((resolve) => r.onChange((v) => resolve(v)));
    r.start();
    write('{"n":11}');
    expect(await changed).toBe(11);
    await r.stop();
    write('{"n":12}');
    expect(await r.check()).toBe(true); // by hand still works; no timer runs
  });
});
