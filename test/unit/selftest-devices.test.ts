// Which device each of upstream's VFIO selftests gets and with which arguments: the igb for the device tests (or a
// skip naming why there is none), the igb or else edu for the live-update ones, and the driver test narrowed to one
// IOMMU mode under TCG only.
import t from 'tap';
import { firstBuildError, programsOf } from '../../images/selftests/build.ts';
import { ktapArguments, vfioDevices } from '../../harness/scenario/kselftest-checks.ts';

const vfioMakefile = ['TEST_GEN_PROGS += vfio_dma_mapping_test', 'TEST_GEN_PROGS += vfio_pci_driver_test', 'TEST_GEN_PROGS += vfio_pci_liveupdate_uapi_test', 'TEST_GEN_PROGS_EXTENDED += vfio_pci_liveupdate_kexec_test', ''].join('\n');

t.test("a selftests Makefile's programs: VFIO device tests want the igb, live-update ones any device", async (t) => {
  t.same(programsOf(vfioMakefile, 'vfio'), [
    { name: 'vfio_dma_mapping_test', suite: 'vfio', kind: 'ktap', device: 'igb' },
    { name: 'vfio_pci_driver_test', suite: 'vfio', kind: 'ktap', device: 'igb' },
    { name: 'vfio_pci_liveupdate_uapi_test', suite: 'vfio', kind: 'ktap', device: 'any' },
    { name: 'vfio_pci_liveupdate_kexec_test', suite: 'vfio', kind: 'two-stage', device: 'any' },
  ]);
  t.same(programsOf('TEST_GEN_PROGS += liveupdate\nTEST_GEN_PROGS_EXTENDED += luo_kexec_simple\n', 'liveupdate'), [
    { name: 'liveupdate', suite: 'liveupdate', kind: 'ktap' },
    { name: 'luo_kexec_simple', suite: 'liveupdate', kind: 'two-stage' },
  ]);
});

t.test('with an igb every VFIO test runs on it; without, the device tests skip with the reason and the live-update ones go to edu', async (t) => {
  t.same(vfioDevices('0000:02:00.0', '0000:01:00.0', undefined), { igb: { bdf: '0000:02:00.0', model: 'igb' }, any: { bdf: '0000:02:00.0', model: 'igb' } });
  t.same(vfioDevices(undefined, '0000:01:00.0', 'QEMU 7.2.22 has no igb device'), {
    igb: { model: 'igb', missing: 'QEMU 7.2.22 has no igb device' },
    any: { bdf: '0000:01:00.0', model: 'edu' },
  });
});

t.test('vfio_pci_driver_test runs in iommufd mode under TCG and says what it leaves out; under KVM in every mode', async (t) => {
  const [, driver, uapi] = programsOf(vfioMakefile, 'vfio');
  t.match(ktapArguments(driver!, 'tcg', '0000:02:00.0'), { args: '-v iommufd 0000:02:00.0', leftOut: /vfio_type1_iommu, vfio_type1v2_iommu, iommufd_compat_type1 and iommufd_compat_type1v2 variants/ });
  t.same(ktapArguments(driver!, 'kvm', '0000:02:00.0'), { args: '0000:02:00.0' });
  t.same(ktapArguments(uapi!, 'tcg', '0000:02:00.0'), { args: '0000:02:00.0' });
  t.same(ktapArguments({ name: 'liveupdate', suite: 'liveupdate', kind: 'ktap' }, 'tcg', undefined), { args: '' });
});

t.test("a suite that does not build: the compiler's first error, without the build folder", async (t) => {
  // From building Debian's linux-source-7.2 7.2.12 VFIO selftests (its libvfio calls a calloc_assert it lacks).
  const log = [
    'gcc -isystem /cache/kernel/build/hdr/include -D_GNU_SOURCE= -c /cache/selftests/x.building/src/tools/testing/selftests/vfio/lib/vfio_pci_device.c',
    "/cache/selftests/x.building/src/tools/testing/selftests/vfio/lib/vfio_pci_device.c: In function 'vfio_pci_irq_set':",
    "/cache/selftests/x.building/src/tools/testing/selftests/vfio/lib/vfio_pci_device.c:36:15: error: implicit declaration of function 'calloc_assert' [-Werror=implicit-function-declaration]",
    'cc1: all warnings being treated as errors',
    "make[1]: *** [lib/libvfio.mk:32: vfio_pci_device.o] Error 1",
  ].join('\n');
  t.equal(firstBuildError(log), "vfio_pci_device.c:36:15: error: implicit declaration of function 'calloc_assert' [-Werror=implicit-function-declaration]");
  t.equal(firstBuildError('make: *** No rule to make target x.  Stop.\n'), 'make: *** No rule to make target x.  Stop.', "no compiler error: make's last words");
});
