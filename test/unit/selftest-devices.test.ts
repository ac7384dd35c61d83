// Which device each of upstream's VFIO selftests gets and with which arguments: the igb for the device tests (or a
// skip naming why there is none), the igb or else edu for the live-update ones, and the driver test narrowed to one
// IOMMU mode under TCG only.
import t from 'tap';
import { firstSourceError, programsOf } from '../../images/selftests/build.ts';
import { ktapArguments, planPrograms } from '../../harness/scenario/kselftest-checks.ts';

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
  const programs = [...programsOf(vfioMakefile, 'vfio'), { name: 'liveupdate', suite: 'liveupdate' as const, kind: 'ktap' as const }];
  const lot = (guest: Parameters<typeof planPrograms>[1]) => {
    const { runs, skips } = planPrograms(programs, guest);
    return { runs: runs.map((run) => [run.program.name, run.device?.bdf ?? null]), skips: skips.map((skip) => [skip.program.name, skip.reason]) };
  };
  const igb = '0000:02:00.0';
  const edu = '0000:01:00.0';
  t.same(lot({ igb, edu, igbMissing: 'unused' }), {
    runs: [['vfio_dma_mapping_test', igb], ['vfio_pci_driver_test', igb], ['vfio_pci_liveupdate_uapi_test', igb], ['vfio_pci_liveupdate_kexec_test', igb], ['liveupdate', null]],
    skips: [],
  });
  t.same(lot({ edu, igbMissing: 'QEMU 7.2.22 has no igb device' }), {
    runs: [['vfio_pci_liveupdate_uapi_test', edu], ['vfio_pci_liveupdate_kexec_test', edu], ['liveupdate', null]],
    skips: [['vfio_dma_mapping_test', 'QEMU 7.2.22 has no igb device'], ['vfio_pci_driver_test', 'QEMU 7.2.22 has no igb device']],
  });
  t.same(lot({ igbMissing: 'no igb' }).skips.map(([name]) => name), ['vfio_dma_mapping_test', 'vfio_pci_driver_test', 'vfio_pci_liveupdate_uapi_test', 'vfio_pci_liveupdate_kexec_test'], 'no device at all: every VFIO program skips, two-stage ones included');
  const notBuilt = planPrograms([{ name: 'vfio_pci_driver_test', suite: 'vfio', kind: 'ktap', device: 'igb', notRun: 'does not build' }], { igb, edu, igbMissing: 'unused' });
  t.same([notBuilt.runs.length, notBuilt.skips[0]?.reason], [0, 'does not build'], 'a program that was not built skips with its reason, igb or not');
});

t.test('vfio_pci_driver_test runs in iommufd mode under TCG and says what it leaves out; under KVM in every mode', async (t) => {
  const [, driver, uapi] = programsOf(vfioMakefile, 'vfio');
  t.match(ktapArguments(driver!, 'tcg', '0000:02:00.0'), { args: '-v iommufd 0000:02:00.0', leftOut: /vfio_type1_iommu, vfio_type1v2_iommu, iommufd_compat_type1 and iommufd_compat_type1v2 variants/ });
  t.same(ktapArguments(driver!, 'kvm', '0000:02:00.0'), { args: '0000:02:00.0' });
  t.same(ktapArguments(uapi!, 'tcg', '0000:02:00.0'), { args: '0000:02:00.0' });
  t.same(ktapArguments({ name: 'liveupdate', suite: 'liveupdate', kind: 'ktap' }, 'tcg', undefined), { args: '' });
});

t.test("a suite that does not build: the first error in the tree's own sources, without the build folder", async (t) => {
  // From building Debian's linux-source-7.2 7.2.12 VFIO selftests (its libvfio calls a calloc_assert it lacks).
  const log = [
    'gcc -isystem /cache/kernel/build/hdr/include -Wno-error=unused -c /cache/selftests/x.building/src/tools/testing/selftests/vfio/lib/vfio_pci_device.c',
    "/cache/selftests/x.building/src/tools/testing/selftests/vfio/lib/vfio_pci_device.c: In function 'vfio_pci_irq_set':",
    "/cache/selftests/x.building/src/tools/testing/selftests/vfio/lib/vfio_pci_device.c:36:15: error: implicit declaration of function 'calloc_assert' [-Werror=implicit-function-declaration]",
    'cc1: all warnings being treated as errors',
    'make[1]: *** [lib/libvfio.mk:32: vfio_pci_device.o] Error 1',
  ].join('\n');
  t.equal(firstSourceError(log), "vfio_pci_device.c:36:15: error: implicit declaration of function 'calloc_assert' [-Werror=implicit-function-declaration]");
  t.equal(firstSourceError("/usr/bin/ld: /tmp/x/vfio_pci_driver_test.o: in function `main':\n/tmp/x/vfio_pci_driver_test.c:280: undefined reference to `foo'\ncollect2: error: ld returned 1 exit status\n"), "vfio_pci_driver_test.c:280: undefined reference to `foo'");
  t.equal(firstSourceError('/usr/bin/ld: cannot find -lc: No such file or directory\ncollect2: error: ld returned 1 exit status\nmake: *** [x] Error 1\n'), undefined, "the host's toolchain failing is not the tree's error");
});
