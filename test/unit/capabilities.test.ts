import t from 'tap';
import { liveUpdateCapabilities } from '../../harness/checks/capabilities.ts';
import type { LuoProbeEvent } from '../../harness/guest/luo-agent-output.ts';

const working: LuoProbeEvent = { event: 'probe', devLiveupdate: true, openErrno: null, sessionErrno: null, memfdPreserve: true, memfdErrno: null };
const luoConfig = { LIVEUPDATE: 'y', KEXEC_HANDOVER: 'y', LIVEUPDATE_MEMFD: 'y' };

t.test('a kernel that preserves memfds', async (t) => {
  t.same(liveUpdateCapabilities(working, luoConfig), { liveupdate: { state: 'present' }, memfd: { state: 'present' } });
});

t.test('lacking the feature is missing (skip), not broken', async (t) => {
  const noMemfd = liveUpdateCapabilities({ ...working, memfdPreserve: false, memfdErrno: 'ENOENT' }, { ...luoConfig, LIVEUPDATE_MEMFD: 'n' });
  t.same(noMemfd.memfd, { state: 'missing', reason: 'kernel lacks LIVEUPDATE_MEMFD' });
  const noLuo = liveUpdateCapabilities({ ...working, devLiveupdate: false, memfdPreserve: null }, { KEXEC_HANDOVER: 'y' });
  t.same(noLuo.liveupdate, { state: 'missing', reason: 'kernel lacks LIVEUPDATE' });
  t.equal(noLuo.memfd.state, 'missing');
});

t.test('configured but refused is broken (fail)', async (t) => {
  const refused = liveUpdateCapabilities({ ...working, memfdPreserve: false, memfdErrno: 'ENOENT' }, luoConfig);
  t.equal(refused.memfd.state, 'broken');
  t.match(refused.memfd, { reason: /refused with ENOENT although LIVEUPDATE_MEMFD is configured/ });
  const absent = liveUpdateCapabilities({ ...working, devLiveupdate: false }, luoConfig);
  t.equal(absent.liveupdate.state, 'broken');
  const busy = liveUpdateCapabilities({ ...working, openErrno: 'EBUSY' }, luoConfig);
  t.match(busy.liveupdate, { state: 'broken', reason: /EBUSY/ });
});

t.test('unknown config: a probe failure is judged broken, not silently skipped', async (t) => {
  t.equal(liveUpdateCapabilities({ ...working, devLiveupdate: false }, null).liveupdate.state, 'broken');
});
