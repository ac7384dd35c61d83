import t from 'tap';
import { commandBits, registerBits } from '../../harness/checks/register-bits.ts';

void t.test('Command bit names, as vfio-edu reads BusMaster', (t) => {
  t.same(commandBits(0x0103), ['IO', 'Memory', 'SERR']);
  t.same(commandBits(0x0406), ['Memory', 'BusMaster', 'INTxDisable']);
  t.end();
});

void t.test('bit names by register name, as a config diff looks them up', (t) => {
  t.same(registerBits('Status', 0x0010), ['CapabilitiesList']);
  t.same(registerBits('MSI Message Control', 0x0081), ['Enable', '64Bit']);
  t.same(registerBits('MSI-X Message Control', 0xc000), ['FunctionMask', 'Enable']);
  t.same(registerBits('Bridge Control', 0x0002), ['SERR']);
  t.equal(registerBits('BAR0', 1), undefined, 'no bit names for BARs');
  t.end();
});
