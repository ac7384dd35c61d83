import t from 'tap';
import { gzipSync } from 'node:zlib';
import { isEnabled, missingOptions, parseKernelConfig } from '../../images/kernel/kernel-config.ts';

const sample = `#
# Automatically generated file; DO NOT EDIT.
CONFIG_KEXEC_FILE=y
CONFIG_KEXEC_HANDOVER=y
# CONFIG_LIVEUPDATE is not set
CONFIG_VFIO_PCI=m
CONFIG_INTEL_IOMMU=y
CONFIG_LOCALVERSION=""
`;

t.test('parses y, m, strings and ignores "is not set"', async (t) => {
  const config = parseKernelConfig(sample);
  t.equal(config.get('KEXEC_FILE'), 'y');
  t.equal(config.get('LOCALVERSION'), '""');
  t.notOk(config.has('LIVEUPDATE'));
  t.ok(isEnabled(config, 'VFIO_PCI'), 'a module counts as enabled');
});

t.test('missing LUO options are named in order', async (t) => {
  t.same(missingOptions(parseKernelConfig(sample)), ['LIVEUPDATE', 'LIVEUPDATE_MEMFD']);
});

t.test('reads /proc/config.gz bytes', async (t) => {
  const config = parseKernelConfig(gzipSync(Buffer.from(sample)));
  t.equal(config.get('INTEL_IOMMU'), 'y');
});
