// A second run, for the cache-entry tests: asks for one entry, says on stdout when its build starts and when it has
// the entry, and holds it until its stdin closes (a build also waits for a line on stdin before finishing).
//   node --import tsx test/support/cache-entry-child.ts <folder> <key>
import { appendFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { cacheEntry } from '../../harness/cache/cache-entry.ts';

const [folder = '', key = ''] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const entry = await cacheEntry({
  folder,
  key,
  what: `test entry ${key}`,
  keep: 10,
  waitMs: 60_000,
  build: async (dir) => {
    process.stdout.write(`building ${process.pid}\n`);
    await lines.next();
    await appendFile(`${folder}.builds.log`, `${process.pid}\n`);
    await appendFile(`${dir}/made-by`, `${process.pid}\n`);
  },
});
process.stdout.write(`have ${entry.built ? 'built' : 'found'} ${entry.dir}\n`);
// Held until stdin closes: the lock goes with this process.
while (!(await lines.next()).done);
