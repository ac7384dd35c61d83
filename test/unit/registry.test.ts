import t from 'tap';
import { abortLiveMachines, liveMachines, registerMachine, type AbortTarget } from '../../harness/vm/registry.ts';

function target(): AbortTarget & { reasons: Error[] } {
  const reasons: Error[] = [];
  return { reasons, abort: (reason: Error) => Promise.resolve(void reasons.push(reason)) };
}

t.test('a signal aborts every live machine, and one that starts afterwards at once', async (t) => {
  const running = target();
  registerMachine(running);
  t.same(running.reasons, [], 'registering alone aborts nothing');
  const reason = new Error('SIGINT received');
  await abortLiveMachines(reason);
  t.same(running.reasons, [reason]);
  // A machine whose QEMU was still being set up when the signal came.
  const late = target();
  registerMachine(late);
  t.same(late.reasons, [reason], 'aborted with the same reason as soon as it registers');
  t.ok(liveMachines.has(late), 'and tracked, so its shutdown removes it as usual');
});
