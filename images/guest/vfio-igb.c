// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-igb: drive QEMU's "igb" PCI device (Intel 82576, 8086:10c9) from
 * userspace through VFIO, for what edu cannot show: DMA through descriptor
 * rings and MSI-X with several vectors, their routing and masking.
 *
 *   vfio-igb dma BDF [--iova A] [--seed N] [--count N]
 *   vfio-igb msix BDF [--count N] [--quiet-ms MS]
 *   vfio-igb preserve BDF --session NAME [--seed N] [--iova A]
 *   vfio-igb refuse-kexec BDF --session NAME
 *   vfio-igb resume BDF --session NAME --seed N [--iova A] [--count N] [--quiet-ms MS]
 *
 * dma resets the function (FLR), puts the MAC in loopback and sends --count
 * frames whose payload is a seeded pattern from TX buffers to RX buffers,
 * rings and buffers all in one mapping at --iova; each frame is checked byte
 * for byte. msix reports the MSI-X table as found (after a kexec no vector may
 * be left armed), resets the function, raises every vector --count times and
 * checks each interrupt arrives once, on its own eventfd, then that a vector
 * masked at the device stays quiet until unmasked.
 *
 * The live update commands are vfio-edu's, with the same events and steps:
 * preserve sets the loopback up with its DMA area in a memfd, preserves the
 * device fd and the memfd in a LUO session and leaves a holder that, on
 * SIGUSR1 (just before `kexec -e`), sends frames of a seeded pattern whose
 * RX buffers are in the memfd; refuse-kexec asks for the kexec with MSI-X
 * armed, which the freeze must refuse; resume takes the device back after the
 * kexec step by step, reports what of the in-flight frames reached the memfd,
 * then runs msix and dma on the retrieved device.
 *
 * The harness binds the device to vfio-pci first; the helper reaches it
 * through the VFIO cdev and iommufd (vfio-device.h). Output is JSON lines on
 * stdout (json.h, helper.h); exit 0 ok, 1 a check or syscall failed, 2 usage.
 * Registers: the 82576 datasheet; what QEMU's model honours: hw/net/igb_core.c.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/mii.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "helper.h"
#include "json.h"
#include "pattern.h"
#include "vfio-device.h"

#define IGB_VENDOR	0x8086
#define IGB_DEVICE	0x10c9
#define IGB_BAR0_SIZE	0x20000

/* BAR0 registers: only those used, queue 0's at their 82576 addresses. */
#define STATUS		0x0008
#define STATUS_LU	0x2	/* link up: without it QEMU's receive path drops every frame */
#define MDIC		0x0020	/* PHY register access: how the link is brought up */
#define MDIC_PHY_1	(1u << 21)	/* the internal PHY's address; QEMU refuses any other */
#define MDIC_OP_WRITE	(1u << 26)
#define MDIC_READY	(1u << 28)
#define MDIC_ERROR	(1u << 30)
#define RCTL		0x0100
#define RCTL_EN		(1u << 1)
#define RCTL_LBM_MAC	(1u << 6)	/* MAC loopback: QEMU hands each sent frame to its own receive path */
#define RCTL_BAM	(1u << 15)	/* accept broadcast: our frames' destination, no address filter to set */
#define RCTL_SECRC	(1u << 26)	/* strip the CRC, so the received length is the sent one */
#define TCTL		0x0400
#define TCTL_EN		(1u << 1)
#define TCTL_PSP	(1u << 3)	/* pad short frames: the datasheet's default, kept */
#define GPIE		0x1514
#define GPIE_MSIX_MODE	(1u << 4)	/* EICR bit n raises MSI-X vector n; the one bit QEMU looks at */
#define GPIE_PBA	(1u << 31)	/* "must be set in MSI-X mode" (datasheet); QEMU ignores it */
#define EICS		0x1520	/* writing bit n raises extended cause n */
#define EIMS		0x1524	/* enables (unmasks) causes; writing 0 bits changes nothing */
#define EIMC		0x1528	/* disables (masks) causes */
#define EIAC		0x152c	/* causes cleared once their vector fired, so the next EICS raises again */
#define EICR		0x1580	/* cause register; writing 1 clears (reading would clear it too) */
#define RDBAL0		0xc000
#define RDBAH0		0xc004
#define RDLEN0		0xc008
#define SRRCTL0		0xc00c
#define SRRCTL_ADV_ONEBUF (1u << 25)	/* advanced one-buffer descriptors: the only RX format QEMU has */
#define RDH0		0xc010
#define RDT0		0xc018
#define RXDCTL0		0xc028
#define TDBAL0		0xe000
#define TDBAH0		0xe004
#define TDLEN0		0xe008
#define TDH0		0xe010
#define TDT0		0xe018
#define TXDCTL0		0xe028
#define XDCTL_ENABLE	(1u << 25)	/* RXDCTL/TXDCTL: queue enable */

/* Advanced transmit data descriptor (datasheet 7.2.2.3): QEMU's legacy TX support is a TODO. */
struct tx_desc {
	uint64_t addr;
	uint32_t cmd_type_len;
	uint32_t olinfo_status;	/* written back with DD in bit 0 */
};
#define TXD_DTYP_DATA	(3u << 20)
#define TXD_EOP		(1u << 24)
#define TXD_IFCS	(1u << 25)
#define TXD_RS		(1u << 27)	/* report status: without it nothing is written back */
#define TXD_DEXT	(1u << 29)
#define TXD_PAYLEN_SHIFT 14

/* Advanced receive descriptor (datasheet 7.1.5): what we give, what the device writes back. */
union rx_desc {
	struct {
		uint64_t pkt_addr;
		uint64_t hdr_addr;
	} read;
	struct {
		uint32_t info;
		uint32_t rss;
		uint32_t status_error;
		uint16_t length;
		uint16_t vlan;
	} wb;
};
#define DESC_DD		(1u << 0)	/* both formats: descriptor done */
#define RXD_EOP		(1u << 1)
#define RXD_ERRORS	0xfff00000u	/* extended errors (CRC, length, checksums) */

/*
 * The DMA mapping: both rings, then a 2 KiB buffer per descriptor for each
 * direction (RCTL's reset buffer size), RX buffers in their own area.
 */
#define RING_DESCS	16	/* TDLEN/RDLEN: a multiple of 128 bytes (8 descriptors); --count 17 wraps */
#define BUF_SIZE	2048
#define TX_RING_OFF	0x0000
#define RX_RING_OFF	0x1000
#define TX_BUF_OFF	0x2000
#define RX_BUF_OFF	(TX_BUF_OFF + RING_DESCS * BUF_SIZE)
#define MAP_LEN		(RX_BUF_OFF + RING_DESCS * BUF_SIZE)
/*
 * A frame starts 2 bytes into its buffer: past the 14-byte Ethernet header
 * the payload is then 8-byte aligned, as pattern.c's words want.
 */
#define FRAME_OFF	2
#define PAYLOAD_OFF	(FRAME_OFF + ETH_HLEN)
/* What RX buffers hold before a frame: a byte the device is not expected to write. */
#define RX_FILL		0xa5

/*
 * Payload sizes, in turn: 48 makes the smallest frame (62 bytes) above the
 * 60 that QEMU pads to; 1496 the largest multiple of 8 within the 1514-byte
 * frame that is not dropped as oversized (RCTL.LPE off).
 */
static const uint64_t dma_sizes[] = { 48, 256, 1024, 1496 };
#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/*
 * Broadcast to a locally administered source, with the IEEE local
 * experimental EtherType: QEMU parses IPv4/IPv6 headers on transmit and
 * drops a frame whose (pattern) header does not parse.
 */
static const uint8_t frame_header[ETH_HLEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	ETH_P_802_EX1 >> 8, ETH_P_802_EX1 & 0xff,
};

/* QEMU sends and receives within the TDT write; TCG on a busy host is slow. */
#define DMA_DEADLINE_MS		5000
/* QEMU's autonegotiation takes 500 ms of virtual time. */
#define LINK_DEADLINE_MS	10000
#define MDIC_DEADLINE_MS	1000
#define MSIX_DEADLINE_MS	5000
/* After an interrupt, how long a duplicate or a misrouted one may still arrive. */
#define MSIX_SETTLE_MS		20
#define MAX_COUNT		1024
/* EICR has 25 MSI-X cause bits, one per vector. */
#define MAX_VECTORS		25
/* The largest MSI-X table read: igb's has 10 entries. */
#define MAX_TABLE		32
/* Written to RDBAL0 before the reset, which must clear it. */
#define RESET_MARKER		0x5a5a0000u

/*
 * The in-flight transfer: this many frames of the largest payload, in slots
 * 0.., one PRNG pattern split across their payloads in order.
 */
#define INFLIGHT_FRAMES		4
#define INFLIGHT_PAYLOAD	1496
#define INFLIGHT_SIZE		(INFLIGHT_FRAMES * INFLIGHT_PAYLOAD)

static const char usage_text[] =
	"vfio-igb dma|msix|preserve|refuse-kexec|resume BDF; dma: [--iova A] [--seed N] [--count N]; "
	"msix: [--count N] [--quiet-ms MS]; preserve: --session NAME [--seed N] [--iova A]; "
	"refuse-kexec: --session NAME; resume: --session NAME --seed N [--iova A] [--count N] [--quiet-ms MS]";

#define usage(...) usage_exit(usage_text, __VA_ARGS__)

struct options {
	uint64_t iova;
	uint64_t seed;
	bool seed_given;
	uint64_t count;
	uint64_t quiet_ms;
	const char *session;
};

/* ---- BAR0 registers: 32-bit accesses, the only size QEMU's model takes ---- */

static uint32_t reg_read(struct vfio_dev *d, uint32_t reg)
{
	return *(volatile uint32_t *)(d->bar0 + reg);
}

static void reg_write(struct vfio_dev *d, uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)(d->bar0 + reg) = value;
}

/* Turn on Memory Space and Bus Master (DMA and MSI-X writes are bus-master cycles); report the command register as found. */
static void igb_enable(struct vfio_dev *d)
{
	struct config_view v = vfio_config(d);
	uint16_t vendor = config_u16(v, PCI_VENDOR_ID), device = config_u16(v, PCI_DEVICE_ID);
	uint16_t before = config_u16(v, PCI_COMMAND), after;
	char id[16];

	snprintf(id, sizeof(id), "%04x:%04x", vendor, device);
	if (vendor != IGB_VENDOR || device != IGB_DEVICE)
		fail("igb id", "%s is %s, not an 82576 (8086:10c9)", d->bdf, id);
	after = before | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	config_write(v, PCI_COMMAND, &after, 2);
	after = config_u16(v, PCI_COMMAND);

	device_event_begin(d, "device");
	json_str("id", id);
	json_hex("command_before", before);
	json_hex("command", after);
	json_end();
	if ((after & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) !=
	    (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER))
		fail("PCI_COMMAND", "memory/bus master did not stick: 0x%04x", after);
	d->bar0 = map_bar(d, VFIO_PCI_BAR0_REGION_INDEX, IGB_BAR0_SIZE);
}

/*
 * VFIO_DEVICE_RESET, and proof that it reset: a register written before
 * reads its reset value (0) after. The methods are the kernel's to choose
 * from, first one first (sysfs reset_method; "flr" is the function level reset).
 */
static void igb_reset(struct vfio_dev *d)
{
	char path[96], methods[128] = "";
	uint32_t before, after;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset_method", d->bdf);
	f = fopen(path, "r");
	if (f) {
		if (fgets(methods, sizeof(methods), f))
			methods[strcspn(methods, "\n")] = '\0';
		fclose(f);
	}
	reg_write(d, RDBAL0, RESET_MARKER);
	before = reg_read(d, RDBAL0);
	if (ioctl(d->device_fd, VFIO_DEVICE_RESET))
		die("VFIO_DEVICE_RESET", "%s", d->bdf);
	after = reg_read(d, RDBAL0);

	device_event_begin(d, "reset");
	if (*methods)
		json_str("methods", methods);
	else
		json_null("methods");
	json_hex("before", before);
	json_hex("after", after);
	json_end();
	if (before != RESET_MARKER || after != 0)
		fail("VFIO_DEVICE_RESET", "RDBAL0 read 0x%x before the reset and 0x%x after: not reset",
		     before, after);
}

/* ---- dma ---- */

/* Write PHY register @reg of the internal PHY. */
static void phy_write(struct vfio_dev *d, uint32_t reg, uint16_t value)
{
	uint64_t deadline = now_ms() + MDIC_DEADLINE_MS;
	uint32_t mdic;

	reg_write(d, MDIC, value | reg << 16 | MDIC_PHY_1 | MDIC_OP_WRITE);
	while (!((mdic = reg_read(d, MDIC)) & MDIC_READY)) {
		if (now_ms() > deadline)
			fail("MDIC", "PHY register %u write not done in %d ms", reg, MDIC_DEADLINE_MS);
		usleep(1000);
	}
	if (mdic & MDIC_ERROR)
		fail("MDIC", "PHY register %u write refused: MDIC 0x%08x", reg, mdic);
}

/*
 * Link up, the receive path's precondition: QEMU sets STATUS.LU only when
 * autonegotiation completes, so restart it and wait. Returns how long it took.
 */
static uint64_t link_up(struct vfio_dev *d)
{
	uint64_t start = now_ms();

	phy_write(d, MII_BMCR, BMCR_ANENABLE | BMCR_ANRESTART | BMCR_SPEED1000 | BMCR_FULLDPLX);
	while (!(reg_read(d, STATUS) & STATUS_LU)) {
		if (now_ms() > start + LINK_DEADLINE_MS)
			fail("igb link", "STATUS.LU not set %d ms after restarting autonegotiation (STATUS 0x%08x)",
			     LINK_DEADLINE_MS, reg_read(d, STATUS));
		usleep(1000);
	}
	return now_ms() - start;
}

/* One ring per direction, queue 0, empty; receive in MAC loopback. */
static void setup_rings(struct vfio_dev *d, uint64_t iova)
{
	uint64_t tx = iova + TX_RING_OFF, rx = iova + RX_RING_OFF;

	reg_write(d, TDBAL0, (uint32_t)tx);
	reg_write(d, TDBAH0, (uint32_t)(tx >> 32));
	reg_write(d, TDLEN0, RING_DESCS * sizeof(struct tx_desc));
	reg_write(d, TDH0, 0);
	reg_write(d, TDT0, 0);
	reg_write(d, TXDCTL0, XDCTL_ENABLE);
	reg_write(d, RDBAL0, (uint32_t)rx);
	reg_write(d, RDBAH0, (uint32_t)(rx >> 32));
	reg_write(d, RDLEN0, RING_DESCS * sizeof(union rx_desc));
	reg_write(d, RDH0, 0);
	reg_write(d, RDT0, 0);
	/* Buffer size 0: RCTL's, 2 KiB. */
	reg_write(d, SRRCTL0, SRRCTL_ADV_ONEBUF);
	reg_write(d, RXDCTL0, XDCTL_ENABLE);
	reg_write(d, RCTL, RCTL_EN | RCTL_LBM_MAC | RCTL_BAM | RCTL_SECRC);
	reg_write(d, TCTL, TCTL_EN | TCTL_PSP);
}

/* Wait for DD in both descriptors' write-backs; false on deadline. */
static bool wait_done(volatile struct tx_desc *tx, volatile union rx_desc *rx)
{
	uint64_t deadline = now_ms() + DMA_DEADLINE_MS;

	while (!(tx->olinfo_status & DESC_DD) || !(rx->wb.status_error & DESC_DD)) {
		if (now_ms() > deadline)
			return false;
		usleep(1000);
	}
	return true;
}

/*
 * Describe slot @slot's frame, @size payload bytes already in its TX buffer
 * after the header written here, and its RX buffer; the tail writes send it.
 */
static void prepare_frame(uint8_t *mem, uint64_t iova, unsigned int slot, uint64_t size)
{
	volatile struct tx_desc *txd = (volatile struct tx_desc *)(mem + TX_RING_OFF) + slot;
	volatile union rx_desc *rxd = (volatile union rx_desc *)(mem + RX_RING_OFF) + slot;
	uint64_t frame = ETH_HLEN + size;

	memcpy(mem + TX_BUF_OFF + slot * BUF_SIZE + FRAME_OFF, frame_header, ETH_HLEN);
	rxd->read.pkt_addr = iova + RX_BUF_OFF + slot * BUF_SIZE + FRAME_OFF;
	rxd->read.hdr_addr = 0;
	txd->addr = iova + TX_BUF_OFF + slot * BUF_SIZE + FRAME_OFF;
	txd->cmd_type_len = (uint32_t)frame | TXD_DTYP_DATA | TXD_DEXT | TXD_IFCS | TXD_EOP | TXD_RS;
	txd->olinfo_status = (uint32_t)frame << TXD_PAYLEN_SHIFT;
}

/* Send transfer @i's frame through slot i mod RING_DESCS, receive it, compare. */
static bool dma_one(struct vfio_dev *d, uint8_t *mem, const struct options *o,
		    uint64_t i, uint64_t seed)
{
	unsigned int slot = i % RING_DESCS, next = (slot + 1) % RING_DESCS;
	volatile struct tx_desc *txd = (volatile struct tx_desc *)(mem + TX_RING_OFF) + slot;
	volatile union rx_desc *rxd = (volatile union rx_desc *)(mem + RX_RING_OFF) + slot;
	uint64_t tx_iova = o->iova + TX_BUF_OFF + slot * BUF_SIZE;
	uint64_t rx_iova = o->iova + RX_BUF_OFF + slot * BUF_SIZE;
	uint8_t *tx = mem + TX_BUF_OFF + slot * BUF_SIZE, *rx = mem + RX_BUF_OFF + slot * BUF_SIZE;
	uint64_t size = dma_sizes[i % COUNT(dma_sizes)], frame = ETH_HLEN + size, b;
	struct problems problems = { .count = 0 };
	struct pattern_result r;
	uint32_t status;
	bool ok;

	pattern_fill(PATTERN_ADDR, seed, tx + PAYLOAD_OFF, size);
	memset(rx, RX_FILL, BUF_SIZE);
	prepare_frame(mem, o->iova, slot, size);
	__sync_synchronize();	/* descriptors and buffers before the tail writes */
	reg_write(d, RDT0, next);
	reg_write(d, TDT0, next);
	if (!wait_done(txd, rxd)) {
		errno = ETIMEDOUT;
		die("igb loopback", "frame %llu (%llu bytes): %s not done in %d ms (TDH %u RDH %u STATUS 0x%08x)",
		    (unsigned long long)i + 1, (unsigned long long)frame,
		    txd->olinfo_status & DESC_DD ? "receive" : "transmit", DMA_DEADLINE_MS,
		    reg_read(d, TDH0), reg_read(d, RDH0), reg_read(d, STATUS));
	}
	__sync_synchronize();	/* write-backs before the buffer */

	status = rxd->wb.status_error;
	if (!(status & RXD_EOP) || (status & RXD_ERRORS))
		problem(&problems, "receive status 0x%08x: %s", status,
			status & RXD_EOP ? "errors" : "no end of packet");
	if (rxd->wb.length != frame)
		problem(&problems, "received %u bytes, sent %llu", rxd->wb.length,
			(unsigned long long)frame);
	for (b = 0; b < FRAME_OFF; b++)
		if (rx[b] != RX_FILL) {
			problem(&problems, "byte %llu before the frame written: 0x%02x",
				(unsigned long long)b, rx[b]);
			break;
		}
	if (memcmp(rx + FRAME_OFF, frame_header, ETH_HLEN))
		problem(&problems, "Ethernet header differs from the one sent");
	pattern_verify(PATTERN_ADDR, seed, rx + PAYLOAD_OFF, size, &r);
	/* Nothing past the frame may have been written: offsets go on from the payload's. */
	for (b = PAYLOAD_OFF + size; b < BUF_SIZE; b++) {
		if (rx[b] == RX_FILL)
			continue;
		if (r.ok) {
			r.ok = false;
			r.first_bad_offset = b - PAYLOAD_OFF;
			r.expected = RX_FILL;
			r.found = rx[b];
			r.found_is_tag = false;
		}
		r.bad_bytes++;
	}

	device_event_begin(d, "dma");
	json_hex("iova", o->iova);
	json_hex("tx", tx_iova);
	json_hex("rx", rx_iova);
	json_u64("size", size);
	json_u64("frame", frame);
	json_str("kind", pattern_kind_name(PATTERN_ADDR));
	json_hex("seed", seed);
	json_u64("length", rxd->wb.length);
	json_hex("status", status);
	json_pattern_result(&r, &problems);
	ok = json_verdict(&problems);
	json_end();
	return ok;
}

static int cmd_dma(struct vfio_dev *d, const struct options *o)
{
	uint64_t checked = 0, failures = 0, link_ms, i;
	uint8_t *mem;

	mem = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap", "%d byte DMA area", MAP_LEN);
	igb_enable(d);
	igb_reset(d);
	dma_map(d, mem, o->iova, MAP_LEN);
	link_ms = link_up(d);
	setup_rings(d, o->iova);

	/* A new seed per transfer: a frame that never arrived leaves an earlier, different pattern. */
	for (i = 0; i < o->count; i++) {
		if (!dma_one(d, mem, o, i, o->seed + i))
			failures++;
		checked += dma_sizes[i % COUNT(dma_sizes)];
	}
	/* Both engines off before exit unmaps their rings. */
	reg_write(d, RCTL, 0);
	reg_write(d, TCTL, 0);

	device_event_begin(d, "dma-summary");
	json_u64("transfers", o->count);
	json_u64("bytes_checked", checked);
	json_u64("failures", failures);
	json_u64("link_ms", link_ms);
	json_end();
	return failures ? 1 : 0;
}

/* ---- msix ---- */

/* Where the MSI-X capability and table are, and the table mapped. */
struct msix {
	uint32_t cap;
	uint32_t size, table_bar, table_offset, pba_bar, pba_offset;
	volatile uint8_t *table;
};

/*
 * Find the capability in config space (VFIO passes MSI-X's through) and map
 * the table's BAR: this kernel's vfio-pci fills a pread() of the table with
 * 0xff, but lets the whole BAR be mapped (REGION_INFO_CAP_MSIX_MAPPABLE).
 */
static void find_msix(struct vfio_dev *d, struct msix *x)
{
	struct config_view v = vfio_config(d);
	uint32_t table, pba;

	x->cap = find_capability(v, PCI_CAP_ID_MSIX);
	if (!x->cap)
		fail("MSI-X capability", "not found in config space");
	table = config_u32(v, x->cap + PCI_MSIX_TABLE);
	pba = config_u32(v, x->cap + PCI_MSIX_PBA);
	x->size = (config_u16(v, x->cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1u;
	x->table_bar = table & PCI_MSIX_TABLE_BIR;
	x->table_offset = table & PCI_MSIX_TABLE_OFFSET;
	x->pba_bar = pba & PCI_MSIX_PBA_BIR;
	x->pba_offset = pba & PCI_MSIX_PBA_OFFSET;
	if (x->size > MAX_TABLE || x->table_bar > VFIO_PCI_BAR5_REGION_INDEX)
		fail("MSI-X capability", "table of %u entries in BAR %u: not an igb's", x->size, x->table_bar);
	x->table = map_bar(d, x->table_bar, x->table_offset + x->size * PCI_MSIX_ENTRY_SIZE) +
		   x->table_offset;
}

static uint16_t msix_control(struct vfio_dev *d, const struct msix *x)
{
	return config_u16(vfio_config(d), x->cap + PCI_MSIX_FLAGS);
}

/* Entry @i's words: address lo, address hi, data, vector control. */
static void msix_entry(const struct msix *x, uint32_t i, uint32_t entry[4])
{
	for (uint32_t w = 0; w < 4; w++)
		entry[w] = *(volatile uint32_t *)(x->table + i * PCI_MSIX_ENTRY_SIZE + w * 4);
}

/* Neither masked nor cleared: a vector that would fire. */
static bool entry_armed(const uint32_t entry[4])
{
	return !(entry[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT) && (entry[0] | entry[1] | entry[2]);
}

/* The "msix-table" event: ok when MSI-X is off and no entry is armed. */
static bool report_msix_table(struct vfio_dev *d, const struct msix *x)
{
	static const char *const words[4] = { "addr_lo", "addr_hi", "data", "vector_control" };
	struct problems problems = { .count = 0 };
	uint16_t control = msix_control(d, x);
	uint32_t entries[MAX_TABLE][4];
	bool ok;

	if (control & PCI_MSIX_FLAGS_ENABLE)
		problem(&problems, "MSI-X Enable is set");
	for (uint32_t i = 0; i < x->size; i++) {
		msix_entry(x, i, entries[i]);
		if (entry_armed(entries[i]))
			problem(&problems, "entry %u armed: address 0x%08x%08x data 0x%x, vector control 0x%x",
				i, entries[i][1], entries[i][0], entries[i][2], entries[i][3]);
	}

	device_event_begin(d, "msix-table");
	json_u64("table_size", x->size);
	json_u64("table_bar", x->table_bar);
	json_hex("table_offset", x->table_offset);
	json_u64("pba_bar", x->pba_bar);
	json_hex("pba_offset", x->pba_offset);
	json_hex("control", control);
	json_bool("enabled", control & PCI_MSIX_FLAGS_ENABLE);
	json_bool("function_mask", control & PCI_MSIX_FLAGS_MASKALL);
	for (unsigned int w = 0; w < 4; w++) {
		json_array_begin(words[w]);
		for (uint32_t i = 0; i < x->size; i++)
			json_item_u64(entries[i][w]);
		json_array_end();
	}
	ok = json_verdict(&problems);
	json_end();
	return ok;
}

/* The "msix-disarmed" event: MSI-X as we leave it, for the next owner (or kernel). */
static void report_disarmed(struct vfio_dev *d, const struct msix *x)
{
	uint16_t control = msix_control(d, x);
	uint32_t entry[4], armed = 0;

	for (uint32_t i = 0; i < x->size; i++) {
		msix_entry(x, i, entry);
		armed += entry_armed(entry);
	}
	device_event_begin(d, "msix-disarmed");
	json_bool("enabled", control & PCI_MSIX_FLAGS_ENABLE);
	json_bool("function_mask", control & PCI_MSIX_FLAGS_MASKALL);
	json_u64("armed_entries", armed);
	json_end();
}

/*
 * Add the interrupts on each of the @k eventfds within @timeout_ms to
 * @counts: up to the first wakeup (@first_only, to wait for an expected one)
 * or over the whole window. Returns how many.
 */
static uint64_t count_irqs(const int *fds, unsigned int k, uint64_t *counts,
			   uint64_t timeout_ms, bool first_only)
{
	struct pollfd pfd[MAX_VECTORS];
	uint64_t deadline = now_ms() + timeout_ms, total = 0, n, now;
	int ready;

	for (unsigned int v = 0; v < k; v++)
		pfd[v] = (struct pollfd){ .fd = fds[v], .events = POLLIN };
	while ((now = now_ms()) < deadline) {
		ready = poll(pfd, k, (int)(deadline - now));
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			die("poll", "MSI-X eventfds");
		if (!ready)
			break;
		for (unsigned int v = 0; v < k; v++) {
			if (!(pfd[v].revents & POLLIN))
				continue;
			if (read(fds[v], &n, sizeof(n)) != sizeof(n))
				die("read", "MSI-X eventfd of vector %u", v);
			counts[v] += n;
			total += n;
		}
		if (first_only)
			break;
	}
	return total;
}

/* Raise @v's cause and collect what arrives: the first interrupt, then whatever trails it. */
static void raise_and_count(struct vfio_dev *d, const int *fds, unsigned int k,
			    unsigned int v, uint64_t *got)
{
	memset(got, 0, k * sizeof(*got));
	reg_write(d, EICS, 1u << v);
	count_irqs(fds, k, got, MSIX_DEADLINE_MS, true);
	count_irqs(fds, k, got, MSIX_SETTLE_MS, false);
}

/* Interrupts of @got on vectors other than @v: counted, and each named in @p. */
static uint64_t misrouted(const uint64_t *got, unsigned int k, unsigned int v,
			  const char *what, struct problems *p)
{
	uint64_t total = 0;

	for (unsigned int w = 0; w < k; w++) {
		if (w == v || !got[w])
			continue;
		total += got[w];
		problem(p, "%s: %llu interrupts on vector %u", what, (unsigned long long)got[w], w);
	}
	return total;
}

static int cmd_msix(struct vfio_dev *d, const struct options *o)
{
	struct vfio_irq_info info = { .argsz = sizeof(info), .index = VFIO_PCI_MSIX_IRQ_INDEX };
	uint64_t per_vector[MAX_VECTORS] = { 0 }, got[MAX_VECTORS], spurious[MAX_VECTORS] = { 0 };
	uint64_t wrong = 0, missing = 0, duplicates = 0, while_masked, stray = 0;
	uint64_t after_unmask, after_reraise = 0, round;
	struct problems problems = { .count = 0 };
	int32_t fds[MAX_VECTORS];
	bool table_ok, ok, delivered, enabled;
	unsigned int k, v, m;
	struct msix x;
	uint32_t all;
	char what[64];

	igb_enable(d);
	find_msix(d, &x);
	/* As found: what the previous owner (or kernel, after a kexec) left behind. */
	table_ok = report_msix_table(d, &x);
	igb_reset(d);

	if (ioctl(d->device_fd, VFIO_DEVICE_GET_IRQ_INFO, &info))
		die("VFIO_DEVICE_GET_IRQ_INFO", "MSI-X index");
	if (info.count < 3 || !(info.flags & VFIO_IRQ_INFO_EVENTFD))
		fail("VFIO_DEVICE_GET_IRQ_INFO", "MSI-X index has %u vectors, flags 0x%x; 3 are needed",
		     info.count, info.flags);
	k = info.count < MAX_VECTORS ? info.count : MAX_VECTORS;
	all = (1u << k) - 1;
	for (v = 0; v < k; v++)
		fds[v] = irq_eventfd("MSI-X vector %u", v);
	/* GPIE first: QEMU takes EIAC writes only in MSI-X mode. */
	reg_write(d, GPIE, GPIE_MSIX_MODE | GPIE_PBA);
	reg_write(d, EIAC, all);
	reg_write(d, EIMC, ~0u);
	reg_write(d, EICR, ~0u);
	set_irq_triggers(d, VFIO_PCI_MSIX_IRQ_INDEX, fds, k, "MSI-X");
	enabled = msix_control(d, &x) & PCI_MSIX_FLAGS_ENABLE;
	reg_write(d, EIMS, all);
	count_irqs(fds, k, spurious, MSIX_SETTLE_MS, false);

	/* Round by round through all vectors, so a misrouted interrupt lands between others. */
	for (round = 1; round <= o->count; round++) {
		for (v = 0; v < k; v++) {
			raise_and_count(d, fds, k, v, got);
			per_vector[v] += got[v];
			snprintf(what, sizeof(what), "vector %u, raise %llu", v, (unsigned long long)round);
			wrong += misrouted(got, k, v, what, &problems);
			if (!got[v]) {
				missing++;
				problem(&problems, "%s: no interrupt in %d ms", what, MSIX_DEADLINE_MS);
			} else if (got[v] > 1) {
				duplicates += got[v] - 1;
				problem(&problems, "%s: %llu interrupts, expected 1", what,
					(unsigned long long)got[v]);
			}
		}
	}

	/*
	 * The mask check, on the last vector: masked at the device (EIMC), a
	 * raise only sets its cause; unmasking (EIMS) must then deliver it once.
	 * A model that does not deliver it on unmask gets the cause cleared and
	 * raised again: reported as "on_unmask", not a failure.
	 */
	m = k - 1;
	reg_write(d, EIMC, 1u << m);
	reg_write(d, EICS, 1u << m);
	memset(got, 0, sizeof(got));
	while_masked = count_irqs(fds, k, got, o->quiet_ms, false);
	if (while_masked)
		problem(&problems, "vector %u masked: %llu interrupts arrived", m,
			(unsigned long long)while_masked);
	memset(got, 0, sizeof(got));
	reg_write(d, EIMS, 1u << m);
	count_irqs(fds, k, got, MSIX_DEADLINE_MS, true);
	count_irqs(fds, k, got, MSIX_SETTLE_MS, false);
	wrong += misrouted(got, k, m, "unmask", &problems);
	after_unmask = got[m];
	delivered = after_unmask > 0;
	if (!delivered) {
		reg_write(d, EICR, 1u << m);
		raise_and_count(d, fds, k, m, got);
		wrong += misrouted(got, k, m, "raise after unmask", &problems);
		after_reraise = got[m];
		if (after_reraise != 1)
			problem(&problems, "vector %u raised after unmask: %llu interrupts, expected 1", m,
				(unsigned long long)after_reraise);
	} else if (after_unmask != 1) {
		problem(&problems, "vector %u unmasked: %llu interrupts, expected 1", m,
			(unsigned long long)after_unmask);
	}
	count_irqs(fds, k, spurious, o->quiet_ms, false);
	for (v = 0; v < k; v++)
		stray += spurious[v];
	if (stray)
		problem(&problems, "%llu spurious interrupts, with no raise outstanding", (unsigned long long)stray);

	device_event_begin(d, "msix");
	json_u64("vectors", k);
	json_u64("available", info.count);
	json_bool("enabled", enabled);
	json_u64("raises_per_vector", o->count);
	json_array_begin("per_vector");
	for (v = 0; v < k; v++)
		json_item_u64(per_vector[v]);
	json_array_end();
	json_u64("misrouted", wrong);
	json_u64("missing", missing);
	json_u64("duplicates", duplicates);
	json_u64("spurious", stray);
	json_u64("mask_vector", m);
	json_u64("while_masked", while_masked);
	json_str("on_unmask", delivered ? "delivered" : "not-delivered");
	json_u64("after_unmask", after_unmask);
	if (delivered)
		json_null("after_reraise");
	else
		json_u64("after_reraise", after_reraise);
	ok = json_verdict(&problems);
	json_end();

	/* Nothing may fire after us, nor be left armed for a kexec: mask, clear, disarm. */
	reg_write(d, EIMC, ~0u);
	reg_write(d, EICR, ~0u);
	set_irq_triggers(d, VFIO_PCI_MSIX_IRQ_INDEX, NULL, 0, "MSI-X");
	for (v = 0; v < k; v++)
		close(fds[v]);
	report_disarmed(d, &x);
	return table_ok && ok ? 0 : 1;
}

/* ---- live update ---- */

/* The holder's device, for the SIGUSR1 action (it runs in the holder, after fork). */
static struct vfio_dev *held;

/* Hand the prepared frames to the device and return at once: the kexec follows. */
static void start_inflight_dma(void)
{
	reg_write(held, RDT0, INFLIGHT_FRAMES);
	reg_write(held, TDT0, INFLIGHT_FRAMES);
}

/*
 * Offer the cdev fd to a LUO session: the capability probe (ENOENT: no VFIO
 * file handler in this kernel). The device is reset and left in loopback
 * with its whole DMA area, rings and buffers, in a memfd preserved in the
 * same session and the in-flight frames described but not yet handed over,
 * so that frames sent just before the kexec (SIGUSR1 to the holder) leave
 * their fate in preserved memory. Every IRQ is off, as the freeze demands:
 * the reset cleared IMS and EIMS, and no VFIO trigger was ever set. On
 * success a holder keeps session, device and iommufd until the kexec.
 */
static int cmd_preserve(struct vfio_dev *d, const struct options *o)
{
	uint8_t pattern[INFLIGHT_SIZE];
	unsigned int slot;
	int memfd;
	uint8_t *mem = inflight_area("vfio-igb-inflight", MAP_LEN, &memfd);

	igb_enable(d);
	igb_reset(d);
	dma_map(d, mem, o->iova, MAP_LEN);
	link_up(d);
	setup_rings(d, o->iova);
	/* RX buffers stay as the memfd came, zero: a frame that never arrived leaves them so. */
	pattern_fill(PATTERN_PRNG, o->seed, pattern, INFLIGHT_SIZE);
	for (slot = 0; slot < INFLIGHT_FRAMES; slot++) {
		memcpy(mem + TX_BUF_OFF + slot * BUF_SIZE + PAYLOAD_OFF, pattern + slot * INFLIGHT_PAYLOAD,
		       INFLIGHT_PAYLOAD);
		prepare_frame(mem, o->iova, slot, INFLIGHT_PAYLOAD);
	}
	__sync_synchronize();	/* descriptors and buffers before the holder's tail writes */
	held = d;
	return preserve_and_hold(d, o->session, memfd, o->seed, start_inflight_dma);
}

/* The freeze must refuse a device whose MSI-X is still armed: vector 0 armed, then refuse_kexec_armed. */
static int cmd_refuse_kexec(struct vfio_dev *d, const struct options *o)
{
	int32_t efd;

	igb_enable(d);
	efd = irq_eventfd("MSI-X vector 0");
	set_irq_triggers(d, VFIO_PCI_MSIX_IRQ_INDEX, &efd, 1, "MSI-X");
	return refuse_kexec_armed(d, o->session);
}

/* What became of the frames sent just before the kexec: their RX payloads, in order, against the pattern. */
static void check_inflight(struct vfio_dev *d, int memfd, uint64_t seed)
{
	uint8_t *mem = mmap(NULL, MAP_LEN, PROT_READ, MAP_SHARED, memfd, 0), payloads[INFLIGHT_SIZE];

	if (mem == MAP_FAILED)
		die("mmap", "retrieved in-flight memfd");
	for (unsigned int slot = 0; slot < INFLIGHT_FRAMES; slot++)
		memcpy(payloads + slot * INFLIGHT_PAYLOAD, mem + RX_BUF_OFF + slot * BUF_SIZE + PAYLOAD_OFF,
		       INFLIGHT_PAYLOAD);
	report_inflight(d, payloads, INFLIGHT_SIZE, seed);
}

/*
 * After the kexec, the preserved device's whole way back, in the order the
 * uAPI defines it, each step with the kernel's answer: the session, open()
 * of the cdev (EBUSY while preserved), FINISH before the retrieve (refused),
 * the in-flight memfd, RETRIEVE_FD of the device, FINISH before the iommufd
 * bind (refused), bind and attach, MSI-X and DMA from scratch, FINISH.
 */
static int cmd_resume(const char *bdf, struct options *o)
{
	int session, status;
	struct vfio_dev d = { .bdf = bdf, .device_fd = -1, .iommufd = -1 };

	session = retrieve_device(&d, bdf, o->session, o->seed, check_inflight);
	if (session < 0)
		return 1;
	/*
	 * msix first: its msix-table event shows the table as the retrieved
	 * device came (the preserving vfio-pci may skip its open-time reset),
	 * which dma's reset would wipe.
	 */
	status = cmd_msix(&d, o);
	/* Another seed than the in-flight pattern's: the frames must be this kernel's, not found left over. */
	o->seed += 1;
	status |= cmd_dma(&d, o);
	report_step(&d, "finish", luo_finish(session) < 0 ? errno : 0);
	return status;
}

/* ---- arguments ---- */

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "iova", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 'S' },
		{ "count", required_argument, NULL, 'c' },
		{ "quiet-ms", required_argument, NULL, 'q' },
		{ "session", required_argument, NULL, 'n' },
		{ 0 },
	};
	struct options o = {
		.iova = 0x100000000ULL,	/* above 4 GiB: proves 64-bit DMA via the IOMMU */
		.count = 8,
		.quiet_ms = 300,
	};
	const char *command, *bdf;
	struct vfio_dev d;
	int c;

	if (argc < 3)
		usage("expected a command and a BDF");
	command = argv[1];
	optind = 2;
	opterr = 0;	/* usage() reports it, as JSON */
	while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (c) {
		case 'i': o.iova = option_u64(usage_text, "--iova", optarg); break;
		case 'S': o.seed = option_u64(usage_text, "--seed", optarg); o.seed_given = true; break;
		case 'c': o.count = option_u64(usage_text, "--count", optarg); break;
		case 'q': o.quiet_ms = option_u64(usage_text, "--quiet-ms", optarg); break;
		case 'n': o.session = optarg; break;
		default: usage("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		usage("expected exactly one BDF after the options");
	bdf = argv[optind];
	if (!valid_bdf(bdf))
		usage("'%s' is not a BDF like 0000:02:00.0", bdf);
	if (o.count < 1 || o.count > MAX_COUNT)
		usage("--count must be 1..%d", MAX_COUNT);
	if (o.quiet_ms > 60000)
		usage("--quiet-ms must be at most 60000");
	if (o.iova % 4096 || o.iova > UINT64_MAX - MAP_LEN)
		usage("--iova: 0x%llx is not a page-aligned address", (unsigned long long)o.iova);

	if (!strcmp(command, "dma") || !strcmp(command, "preserve")) {
		if (!o.seed_given && getrandom(&o.seed, sizeof(o.seed), 0) != sizeof(o.seed))
			die("getrandom", "seed");
	}
	if (!strcmp(command, "dma")) {
		vfio_open(&d, bdf);
		return cmd_dma(&d, &o);
	}
	if (!strcmp(command, "msix")) {
		vfio_open(&d, bdf);
		return cmd_msix(&d, &o);
	}
	if (!strcmp(command, "preserve") || !strcmp(command, "refuse-kexec") || !strcmp(command, "resume")) {
		if (!valid_session_name(o.session))
			usage("--session: a name of 1..%d bytes is required", LIVEUPDATE_SESSION_NAME_LENGTH - 1);
		if (!strcmp(command, "resume")) {
			/* The in-flight pattern is checked against it: no default could be right. */
			if (!o.seed_given)
				usage("resume: --seed is required: the in-flight seed preserve reported");
			return cmd_resume(bdf, &o);
		}
		vfio_open(&d, bdf);
		return !strcmp(command, "preserve") ? cmd_preserve(&d, &o) : cmd_refuse_kexec(&d, &o);
	}
	usage("unknown command '%s'", command);
}
