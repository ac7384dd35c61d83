import t from 'tap';
import { chooseAccelerator } from '../../harness/vm/accel.ts';

const usable = { devKvmExists: true, devKvmReadWrite: true, cpuHasVirtualisation: true };

t.test('KVM only when it really works', async (t) => {
  t.equal(chooseAccelerator(usable).accel, 'kvm');
  const nested = chooseAccelerator({ ...usable, cpuHasVirtualisation: false });
  t.equal(nested.accel, 'tcg', '/dev/kvm present but no vmx/svm: TCG');
  t.match(nested.reason, /lack vmx\/svm/);
  const absent = chooseAccelerator({ devKvmExists: false, devKvmReadWrite: false, cpuHasVirtualisation: true });
  t.equal(absent.accel, 'tcg');
  t.match(absent.reason, /\/dev\/kvm does not exist/);
  t.match(chooseAccelerator({ ...usable, devKvmReadWrite: false }).reason, /not readable and writable/);
});

t.test('forced choices win and still explain', async (t) => {
  t.same(chooseAccelerator(usable, 'tcg'), { accel: 'tcg', reason: 'forced by ACCEL=tcg' });
  const forced = chooseAccelerator({ ...usable, cpuHasVirtualisation: false }, 'kvm');
  t.equal(forced.accel, 'kvm');
  t.match(forced.reason, /despite: the CPU flags lack vmx\/svm/);
});
