import t from 'tap';
import { readEventRecords } from '../../harness/formats/json-lines.ts';

t.test('every record of a saved helper file, and each line that is none with its number and why', async (t) => {
  const { records, unreadable } = readEventRecords(
    ['{"event":"dma","iova":"0x100000000","ok":true}', '', '[    1.5] kernel chatter', '[1,2]', '{"iova":"0x0"}', '{"event":7}', '  {"event":"msi","raised":8}  ', ''].join('\n'),
  );
  t.same(records, [
    { event: 'dma', iova: '0x100000000', ok: true },
    { event: 'msi', raised: 8 },
  ]);
  t.equal(unreadable.length, 4, 'blank lines are not counted');
  t.match(unreadable[0], { line: 3, text: '[    1.5] kernel chatter', why: /^not JSON \(/ });
  t.same(unreadable.slice(1), [
    { line: 4, text: '[1,2]', why: 'not a JSON object' },
    { line: 5, text: '{"iova":"0x0"}', why: 'no string "event" field' },
    { line: 6, text: '{"event":7}', why: 'no string "event" field' },
  ]);
});

t.test('a long unreadable line is cut to an excerpt', async (t) => {
  const { unreadable } = readEventRecords(`{"event":"dma","data":"${'a'.repeat(300)}"`);
  t.equal(unreadable[0]?.text, `${`{"event":"dma","data":"${'a'.repeat(300)}"`.slice(0, 200)}... (324 characters)`);
  t.match(unreadable[0]?.why, /^not JSON/);
});
