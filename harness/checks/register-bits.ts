// Names of the single-bit flags of the registers whose bits a diff or a scenario talks about.

type BitNames = readonly (readonly [number, string])[];

const COMMAND_BITS: BitNames = [
  [0, 'IO'],
  [1, 'Memory'],
  [2, 'BusMaster'],
  [3, 'SpecialCycles'],
  [4, 'MemWriteInvalidate'],
  [5, 'VGAPaletteSnoop'],
  [6, 'ParityErrorResponse'],
  [7, 'Stepping'],
  [8, 'SERR'],
  [9, 'FastBackToBack'],
  [10, 'INTxDisable'],
];

const STATUS_BITS: BitNames = [
  [0, 'ImmediateReadiness'],
  [3, 'InterruptStatus'],
  [4, 'CapabilitiesList'],
  [5, '66MHz'],
  [7, 'FastBackToBack'],
  [8, 'MasterDataParityError'],
  [11, 'SignaledTargetAbort'],
  [12, 'ReceivedTargetAbort'],
  [13, 'ReceivedMasterAbort'],
  [14, 'SignaledSystemError'],
  [15, 'DetectedParityError'],
];

const BRIDGE_CONTROL_BITS: BitNames = [
  [0, 'ParityErrorResponse'],
  [1, 'SERR'],
  [2, 'ISA'],
  [3, 'VGA'],
  [4, 'VGA16'],
  [5, 'MasterAbortMode'],
  [6, 'SecondaryBusReset'],
  [7, 'FastBackToBack'],
];

const MSI_CONTROL_BITS: BitNames = [
  [0, 'Enable'],
  [7, '64Bit'],
  [8, 'PerVectorMasking'],
  [9, 'ExtendedDataCapable'],
  [10, 'ExtendedDataEnable'],
];

const MSIX_CONTROL_BITS: BitNames = [
  [14, 'FunctionMask'],
  [15, 'Enable'],
];

const PCIE_DEVICE_CONTROL_BITS: BitNames = [
  [0, 'CorrectableErrorReporting'],
  [1, 'NonFatalErrorReporting'],
  [2, 'FatalErrorReporting'],
  [3, 'UnsupportedRequestReporting'],
  [4, 'RelaxedOrdering'],
  [8, 'ExtendedTag'],
  [9, 'PhantomFunctions'],
  [10, 'AuxPower'],
  [11, 'NoSnoop'],
  [15, 'BridgeRetry/FLR'],
];

// Keyed by the register names decodeConfigSpace gives.
const BITS_BY_REGISTER: Readonly<Record<string, BitNames>> = {
  Command: COMMAND_BITS,
  Status: STATUS_BITS,
  'Secondary Status': STATUS_BITS,
  'Bridge Control': BRIDGE_CONTROL_BITS,
  'MSI Message Control': MSI_CONTROL_BITS,
  'MSI-X Message Control': MSIX_CONTROL_BITS,
  'PCIe Device Control': PCIE_DEVICE_CONTROL_BITS,
};

function setBits(table: BitNames, value: number): string[] {
  return table.filter(([bit]) => Math.floor(value / 2 ** bit) % 2 === 1).map(([, name]) => name);
}

/** Names of the bits set in a Command register value (IO, Memory, BusMaster, INTxDisable...). */
export function commandBits(value: number): string[] {
  return setBits(COMMAND_BITS, value);
}

/** Names of the set bits of a register we know bit names for, or undefined for other registers. */
export function registerBits(registerName: string, value: number): string[] | undefined {
  const table = BITS_BY_REGISTER[registerName];
  return table ? setBits(table, value) : undefined;
}
