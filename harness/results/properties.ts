// The properties that both the harness's own scenarios and the kernel's own selftests judge, by id. Scenario
// manifests name them in `judges`; agreement compares the two judges' verdicts on each.

export const properties = {
  'memfd-preservation': 'memfds preserved across a kexec',
  'luo-uapi': 'the LUO uAPI answers as documented before a kexec (sessions, preserving, errors)',
  'vfio-retrieve-finish': 'a VFIO device retrieved and finished after a kexec',
  'igb-dma': 'DMA by the igb through the IOMMU, the data checked byte for byte',
  'igb-msix': 'an MSI-X vector the igb raises arrives on its eventfd',
} as const;

export type PropertyId = keyof typeof properties;
