import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32, createZip } from '../../../src/channels/teams/zip';
import { readZipEntries } from './zip-reader';

const hasUnzip = spawnSync('unzip', ['-v']).status === 0;

describe('createZip', () => {
  const entries = [
    { name: 'manifest.json', data: Buffer.from('{"a":1}\n') },
    { name: 'pt-BR.json', data: Buffer.from('{"name.short":"Olá"}') },
    { name: 'empty.txt', data: Buffer.alloc(0) },
  ];

  it('lists every entry in the central directory with its data intact', () => {
    const read = readZipEntries(createZip(entries));
    expect(read.map((entry) => entry.name)).toEqual(['manifest.json', 'pt-BR.json', 'empty.txt']);
    expect(read.map((entry) => entry.data.toString())).toEqual(entries.map((entry) => entry.data.toString()));
    expect(read.every((entry) => entry.method === 0)).toBe(true);
  });

  it('is reproducible for the same entries', () => {
    expect(createZip(entries).equals(createZip(entries))).toBe(true);
  });

  it('refuses names that could escape the extraction folder, and duplicates', () => {
    expect(() => createZip([{ name: '../evil.json', data: Buffer.alloc(1) }])).toThrow(/unsafe/);
    expect(() => createZip([{ name: '/abs.json', data: Buffer.alloc(1) }])).toThrow(/unsafe/);
    expect(() => createZip([{ name: 'a\\b.json', data: Buffer.alloc(1) }])).toThrow(/unsafe/);
    expect(() => createZip([entries[0]!, entries[0]!])).toThrow(/duplicate/);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  (hasUnzip ? it : it.skip)('passes unzip -t', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gd-zip-'));
    try {
      const file = path.join(dir, 'test.zip');
      writeFileSync(file, createZip(entries));
      const result = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('No errors detected');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
