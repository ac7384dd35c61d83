// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-edu: drive QEMU's "edu" PCI device (1234:11e8) from userspace through
 * VFIO, to check what a live update must keep working for a passed-through
 * device: DMA through the IOMMU, MSI delivery, config space, and whether the
 * kernel accepts the VFIO device fd into a LUO session.
 *
 *   vfio-edu dma BDF [--iova A] [--kind K] [--seed N]
 *   vfio-edu msi BDF [--count N] [--quiet-ms MS] [--cpu N]
 *   vfio-edu config BDF
 *   vfio-edu preserve BDF --session NAME [--seed N]
 *   vfio-edu refuse-kexec BDF --session NAME
 *   vfio-edu resume BDF --session NAME [--iova A] [--seed N] [--count N]
 *
 * The harness binds the device to vfio-pci first; the helper reaches it
 * through the VFIO cdev and iommufd. Output is JSON lines on stdout (json.h,
 * helper.h); exit 0 ok, 1 a check or syscall failed, 2 usage.
 * Register map of edu: QEMU docs/specs/edu.txt.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "helper.h"
#include "json.h"
#include "pattern.h"
#include "vfio-device.h"

/* edu BAR0 registers. */
#define EDU_ID		0x00	/* 0x010000ed: version 1.0, magic 0xed */
#define EDU_ALIVE	0x04	/* reads back the inverse of what was written */
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60	/* ORs the value into IRQ status and fires */
#define EDU_IRQ_ACK	0x64
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_RAM	0x2
/* The device's own 4 KiB DMA buffer, at this device-side address. */
#define EDU_BUF_ADDR	0x40000
#define EDU_BUF_SIZE	4096
#define EDU_BUF_USABLE	4095	/* see fits() */

/* Our DMA mapping: a source page, then a destination page. */
#define DMA_SRC_OFF	0
#define DMA_DST_OFF	4096
#define DMA_MAP_LEN	8192

/* QEMU runs each edu DMA on a 100 ms timer; TCG on a busy host is slower. */
#define DMA_DEADLINE_MS	10000
#define MSI_DEADLINE_MS	5000
/* After acknowledging, how long a duplicate interrupt may still arrive. */
#define MSI_SETTLE_MS	20
#define MAX_RAISES	1024

/* Every (size, offset) pair that fits edu's buffer is one transfer: see fits(). */
static const uint64_t dma_sizes[] = { 8, 64, 512, 4088 };
static const uint64_t dma_offsets[] = { 0, 8, 1024 };
#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* The in-flight transfer: the device buffer's pattern to the memfd's second page. */
#define INFLIGHT_SIZE	4088

static const char usage_text[] =
	"vfio-edu dma|msi|config|preserve|refuse-kexec|resume BDF; dma: [--iova A] [--kind addr|prng|walking] "
	"[--seed N]; msi: [--count N] [--quiet-ms MS] [--cpu N]; preserve, refuse-kexec, resume: --session NAME";

#define usage(...) usage_exit(usage_text, __VA_ARGS__)

struct options {
	uint64_t iova;
	enum pattern_kind kind;
	uint64_t seed;
	bool seed_given;
	uint64_t count, quiet_ms;
	int64_t cpu;		/* msi --cpu: the CPU the vector is routed to; -1 leaves it where the kernel put it */
	const char *session;
};

/* ---- BAR0 registers ---- */

/* edu accepts only 4-byte accesses below 0x80, and 4 or 8 from 0x80 on. */
static uint32_t reg_read(struct vfio_dev *e, uint32_t reg)
{
	return *(volatile uint32_t *)(e->bar0 + reg);
}

static void reg_write(struct vfio_dev *e, uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)(e->bar0 + reg) = value;
}

static void reg_write64(struct vfio_dev *e, uint32_t reg, uint64_t value)
{
	*(volatile uint64_t *)(e->bar0 + reg) = value;
}

/*
 * Turn on Memory Space and Bus Master (edu's DMA and MSI writes are both
 * bus-master cycles), check the id and liveness registers, and report the
 * command register as found: after a kexec it tells what the kernel left.
 */
static void edu_enable(struct vfio_dev *e)
{
	struct config_view v = vfio_config(e);
	uint16_t before = config_u16(v, PCI_COMMAND), after;
	uint32_t id, alive;

	after = before | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	config_write(v, PCI_COMMAND, &after, 2);
	after = config_u16(v, PCI_COMMAND);
	e->bar0 = map_bar(e, VFIO_PCI_BAR0_REGION_INDEX, 0x100);
	id = reg_read(e, EDU_ID);
	reg_write(e, EDU_ALIVE, 0x5a5aa5a5);
	alive = reg_read(e, EDU_ALIVE);

	device_event_begin(e, "device");
	json_hex("id", id);
	json_bool("alive", alive == ~0x5a5aa5a5u);
	json_hex("command_before", before);
	json_hex("command", after);
	json_end();
	if ((id & 0xff) != 0xed)
		fail("edu id", "register 0x00 reads 0x%08x, not an edu device", id);
	if (alive != ~0x5a5aa5a5u)
		fail("edu liveness", "register 0x04 reads 0x%08x after writing 0x5a5aa5a5", alive);
	if ((after & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) !=
	    (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER))
		fail("PCI_COMMAND", "memory/bus master did not stick: 0x%04x", after);
}

/* ---- dma ---- */

/* Wait until edu's DMA engine is idle; false on deadline. */
static bool dma_wait_idle(struct vfio_dev *e)
{
	uint64_t deadline = now_ms() + DMA_DEADLINE_MS;

	while (reg_read(e, EDU_DMA_CMD) & EDU_DMA_RUN) {
		if (now_ms() > deadline)
			return false;
		usleep(1000);
	}
	return true;
}

/* One edu transfer; @cmd is 0 (RAM to device) or EDU_DMA_TO_RAM. */
static void dma_transfer(struct vfio_dev *e, uint64_t src, uint64_t dst, uint64_t count,
			 uint32_t cmd)
{
	/* 64-bit writes: a 32-bit one would drop the high half of the IOVA. */
	reg_write64(e, EDU_DMA_SRC, src);
	reg_write64(e, EDU_DMA_DST, dst);
	reg_write64(e, EDU_DMA_COUNT, count);
	__sync_synchronize();	/* buffer contents before the start bit */
	reg_write(e, EDU_DMA_CMD, cmd | EDU_DMA_RUN);
	if (!dma_wait_idle(e)) {
		errno = ETIMEDOUT;
		die("edu DMA", "0x%llx -> 0x%llx (%llu bytes) not done in %d ms",
		    (unsigned long long)src, (unsigned long long)dst,
		    (unsigned long long)count, DMA_DEADLINE_MS);
	}
	__sync_synchronize();	/* completion before reading the buffer */
}

/*
 * Outside its buffer, edu in QEMU 7.2 aborts the whole VM (hw_error), and
 * its range check wants the end strictly inside: a transfer may not touch
 * the buffer's last byte (0x40000-0x40fff aborts), so 4095 bytes are usable.
 */
static bool fits(uint64_t size, uint64_t offset)
{
	return offset < EDU_BUF_USABLE && size <= EDU_BUF_USABLE - offset;
}

/* RAM -> device buffer -> RAM for one (size, offset), then compare. */
static bool dma_one(struct vfio_dev *e, uint8_t *buf, const struct options *o,
		    uint64_t size, uint64_t offset, uint64_t seed)
{
	uint8_t *src = buf + DMA_SRC_OFF, *dst = buf + DMA_DST_OFF;
	struct problems problems = { .count = 0 };
	struct pattern_result r;
	bool ok;
	uint64_t i;

	pattern_fill(o->kind, seed, src, size);
	memset(dst, 0, EDU_BUF_SIZE);
	dma_transfer(e, o->iova + DMA_SRC_OFF, EDU_BUF_ADDR + offset, size, 0);
	dma_transfer(e, EDU_BUF_ADDR + offset, o->iova + DMA_DST_OFF, size, EDU_DMA_TO_RAM);

	pattern_verify(o->kind, seed, dst, size, &r);
	/* Nothing past @size may have been written: the count must be exact. */
	for (i = size; i < EDU_BUF_SIZE; i++) {
		if (!dst[i])
			continue;
		if (r.ok) {
			r.ok = false;
			r.first_bad_offset = i;
			r.expected = 0;
			r.found = dst[i];
			r.found_is_tag = false;
		}
		r.bad_bytes++;
	}

	device_event_begin(e, "dma");
	json_hex("iova", o->iova);
	json_u64("size", size);
	json_u64("offset", offset);
	json_str("kind", pattern_kind_name(o->kind));
	json_hex("seed", seed);
	json_pattern_result(&r, &problems);
	ok = json_verdict(&problems);
	json_end();
	return ok;
}

static int cmd_dma(struct vfio_dev *e, const struct options *o)
{
	uint64_t transfers = 0, skipped = 0, checked = 0, failures = 0, seed = o->seed;
	uint8_t *buf;
	size_t s, f;

	buf = mmap(NULL, DMA_MAP_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap", "%d byte DMA buffer", DMA_MAP_LEN);
	edu_enable(e);
	dma_map(e, buf, o->iova, DMA_MAP_LEN);
	if (!dma_wait_idle(e)) {
		errno = ETIMEDOUT;
		die("edu DMA", "engine busy before the first transfer");
	}

	/*
	 * A new seed per transfer: if a transfer into the device silently did
	 * nothing, the device buffer still holds an earlier, different pattern.
	 */
	for (s = 0; s < COUNT(dma_sizes); s++) {
		for (f = 0; f < COUNT(dma_offsets); f++) {
			if (!fits(dma_sizes[s], dma_offsets[f])) {
				skipped++;
				continue;
			}
			if (!dma_one(e, buf, o, dma_sizes[s], dma_offsets[f], seed++))
				failures++;
			transfers++;
			checked += dma_sizes[s];
		}
	}

	device_event_begin(e, "dma-summary");
	json_u64("transfers", transfers);
	json_u64("skipped", skipped);
	json_u64("bytes_checked", checked);
	json_u64("failures", failures);
	json_end();
	return failures ? 1 : 0;
}

/* ---- msi ---- */

/* MSI enable/address/data at capability @cap, as @source ("vfio", "sysfs") sees it. */
static void report_msi_state(struct vfio_dev *e, struct config_view v, const char *source,
			     uint32_t cap, const char *phase)
{
	uint16_t control = config_u16(v, cap + PCI_MSI_FLAGS), data;
	uint64_t address = config_u32(v, cap + PCI_MSI_ADDRESS_LO);

	if (control & PCI_MSI_FLAGS_64BIT) {
		address |= (uint64_t)config_u32(v, cap + PCI_MSI_ADDRESS_HI) << 32;
		data = config_u16(v, cap + PCI_MSI_DATA_64);
	} else {
		data = config_u16(v, cap + PCI_MSI_DATA_32);
	}
	device_event_begin(e, "msi-state");
	json_str("phase", phase);
	json_str("source", source);
	json_bool("enabled", control & PCI_MSI_FLAGS_ENABLE);
	json_hex("control", control);
	json_hex("address", address);
	json_hex("data", data);
	json_end();
}

/* Point VFIO's single MSI vector at @eventfd, or (-1) disarm it. */
static void set_msi_trigger(struct vfio_dev *e, int eventfd)
{
	int32_t fd = eventfd;

	set_irq_triggers(e, VFIO_PCI_MSI_IRQ_INDEX, &fd, eventfd >= 0 ? 1 : 0, "MSI");
}

/*
 * Interrupts counted by @efd within @timeout_ms: up to the first wakeup
 * (@first_only, to wait for an expected one) or over the whole window.
 */
static uint64_t wait_events(int efd, uint64_t timeout_ms, bool first_only)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t deadline = now_ms() + timeout_ms, total = 0, n, now;
	int ready;

	while ((now = now_ms()) < deadline) {
		ready = poll(&pfd, 1, (int)(deadline - now));
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			die("poll", "MSI eventfd");
		if (!ready)
			break;
		if (read(efd, &n, sizeof(n)) != sizeof(n))
			die("read", "MSI eventfd");
		total += n;
		if (first_only)
			break;
	}
	return total;
}

/* ---- where the MSI lands: its Linux IRQ, per-CPU counts and affinity ---- */

#define MAX_CPUS 64

/*
 * The vector's line in /proc/interrupts ("  24:  0  8  IR-PCI-MSI ... vfio-msi[0](BDF)"): its IRQ number and the
 * count of each CPU, as many as the header names; -1 when there is none.
 */
static int msi_irq_counts(const char *bdf, uint64_t counts[MAX_CPUS], int *nr_cpus)
{
	char line[1024], name[64];
	FILE *f = fopen("/proc/interrupts", "r");
	int irq = -1;

	if (!f)
		die("fopen", "/proc/interrupts");
	snprintf(name, sizeof(name), "vfio-msi[0](%s)", bdf);
	*nr_cpus = 0;
	if (fgets(line, sizeof(line), f))
		for (char *word = strtok(line, " \n"); word && *nr_cpus < MAX_CPUS; word = strtok(NULL, " \n"))
			*nr_cpus += !strncmp(word, "CPU", 3);
	while (irq < 0 && fgets(line, sizeof(line), f)) {
		char *rest;

		if (!strstr(line, name))
			continue;
		irq = (int)strtol(line, &rest, 10);
		if (*rest != ':') {
			irq = -1;
			continue;
		}
		rest++;
		for (int cpu = 0; cpu < *nr_cpus; cpu++)
			counts[cpu] = strtoull(rest, &rest, 10);
	}
	fclose(f);
	return irq;
}

/* Route IRQ @irq to @cpu alone, as a user would: /proc/irq/N/smp_affinity_list. */
static void route_irq(int irq, int64_t cpu)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%lld\n", (long long)cpu) < 0 || fclose(f))
		die("write", "%s", path);
}

static int cmd_msi(struct vfio_dev *e, const struct options *o)
{
	struct vfio_irq_info info = { .argsz = sizeof(info), .index = VFIO_PCI_MSI_IRQ_INDEX };
	uint64_t received = 0, spurious, i, per_raise[MAX_RAISES];
	struct problems problems = { .count = 0 };
	bool ok;
	struct config_view device = sysfs_config(e);
	uint64_t before[MAX_CPUS] = { 0 }, after[MAX_CPUS] = { 0 };
	uint32_t cap, bit, status;
	int efd, irq, nr_cpus, nr_after, cpu;

	edu_enable(e);
	cap = find_capability(vfio_config(e), PCI_CAP_ID_MSI);
	if (!cap)
		fail("MSI capability", "not found in config space");
	/* What the previous owner (or kernel, after a kexec) left behind. */
	report_msi_state(e, vfio_config(e), "vfio", cap, "before-arm");
	report_msi_state(e, device, "sysfs", cap, "before-arm");

	if (ioctl(e->device_fd, VFIO_DEVICE_GET_IRQ_INFO, &info))
		die("VFIO_DEVICE_GET_IRQ_INFO", "MSI index");
	if (info.count < 1 || !(info.flags & VFIO_IRQ_INFO_EVENTFD))
		fail("VFIO_DEVICE_GET_IRQ_INFO", "MSI index has %u vectors, flags 0x%x",
		     info.count, info.flags);
	efd = irq_eventfd("MSI");
	/* Start from a clean IRQ status: nothing pending from an earlier owner. */
	reg_write(e, EDU_IRQ_ACK, ~0u);
	set_msi_trigger(e, efd);
	/* VFIO programs the device itself; its config view stays virtual. */
	report_msi_state(e, device, "sysfs", cap, "armed");
	irq = msi_irq_counts(e->bdf, before, &nr_cpus);
	if (irq < 0)
		problem(&problems, "no vfio-msi[0](%s) line in /proc/interrupts", e->bdf);
	else if (o->cpu >= nr_cpus)
		fail("--cpu", "CPU %lld: the kernel counts %d CPUs", (long long)o->cpu, nr_cpus);
	else if (o->cpu >= 0)
		route_irq(irq, o->cpu);
	spurious = wait_events(efd, MSI_SETTLE_MS, false);

	for (i = 0; i < o->count; i++) {
		/* Distinct bits show which raise the status register belongs to. */
		bit = 1u << (i % 32);
		reg_write(e, EDU_IRQ_RAISE, bit);
		per_raise[i] = wait_events(efd, MSI_DEADLINE_MS, true);
		status = reg_read(e, EDU_IRQ_STATUS);
		if (!(status & bit))
			problem(&problems, "raise %llu: IRQ status 0x%x lacks bit 0x%x",
				(unsigned long long)i + 1, status, bit);
		reg_write(e, EDU_IRQ_ACK, status);
		/* A duplicate may trail the first one: count it for this raise. */
		per_raise[i] += wait_events(efd, MSI_SETTLE_MS, false);
		received += per_raise[i];
		if (per_raise[i] != 1)
			problem(&problems, "raise %llu: %llu interrupts, expected 1",
				(unsigned long long)i + 1, (unsigned long long)per_raise[i]);
	}
	spurious += wait_events(efd, o->quiet_ms, false);
	if (spurious)
		problem(&problems, "%llu spurious interrupts", (unsigned long long)spurious);
	/* Where the kernel took them: every one on the CPU it was routed to, when it was. */
	if (irq >= 0 && msi_irq_counts(e->bdf, after, &nr_after) == irq && nr_after == nr_cpus && o->cpu >= 0) {
		for (cpu = 0; cpu < nr_cpus; cpu++)
			if (cpu != o->cpu && after[cpu] != before[cpu])
				problem(&problems, "%llu interrupts on CPU %d, routed to CPU %lld",
					(unsigned long long)(after[cpu] - before[cpu]), cpu, (long long)o->cpu);
		if (after[o->cpu] - before[o->cpu] != received + spurious)
			problem(&problems, "CPU %lld took %llu interrupts, the eventfd counted %llu", (long long)o->cpu,
				(unsigned long long)(after[o->cpu] - before[o->cpu]), (unsigned long long)(received + spurious));
	}

	device_event_begin(e, "msi");
	json_u64("raised", o->count);
	json_u64("received", received);
	json_array_begin("per_raise");
	for (i = 0; i < o->count; i++)
		json_item_u64(per_raise[i]);
	json_array_end();
	json_u64("spurious", spurious);
	if (irq >= 0)
		json_u64("irq", (uint64_t)irq);
	else
		json_null("irq");
	if (o->cpu >= 0)
		json_u64("cpu", (uint64_t)o->cpu);
	else
		json_null("cpu");
	json_array_begin("per_cpu");
	for (cpu = 0; irq >= 0 && cpu < nr_cpus; cpu++)
		json_item_u64(after[cpu] - before[cpu]);
	json_array_end();
	ok = json_verdict(&problems);
	json_end();

	/* IRQs must be off before a kexec; leave the device as we found it. */
	set_msi_trigger(e, -1);
	close(efd);
	device_event_begin(e, "msi-disarmed");
	json_bool("enabled", config_u16(device, cap + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE);
	json_end();
	return ok ? 0 : 1;
}

/* ---- config ---- */

static int cmd_config(struct vfio_dev *e)
{
	uint8_t *bytes;
	uint64_t i;

	if (e->config.size == 0 || e->config.size > 4096)
		fail("VFIO_DEVICE_GET_REGION_INFO", "config region size %llu",
		     (unsigned long long)e->config.size);
	bytes = malloc(e->config.size);
	if (!bytes)
		die("malloc", "config buffer");
	config_read(vfio_config(e), 0, bytes, e->config.size);
	/*
	 * Printed by hand: 4 KiB of config is 8 KiB of hex, more than json.h's
	 * line buffer. bdf was validated in main(), so it needs no escaping.
	 */
	printf("{\"event\":\"config\",\"bdf\":\"%s\",\"size\":%llu,\"hex\":\"",
	       e->bdf, (unsigned long long)e->config.size);
	for (i = 0; i < e->config.size; i++)
		printf("%02x", bytes[i]);
	printf("\"}\n");
	fflush(stdout);
	free(bytes);
	return 0;
}

/* ---- preserve ---- */

/* The holder's device, for the SIGUSR1 action (it runs in the holder, after fork). */
static struct vfio_dev *held;
static uint64_t held_iova;

/* Start edu's DMA of its buffer into the memfd's second page, and return at once: the kexec follows. */
static void start_inflight_dma(void)
{
	reg_write64(held, EDU_DMA_SRC, EDU_BUF_ADDR);
	reg_write64(held, EDU_DMA_DST, held_iova + DMA_DST_OFF);
	reg_write64(held, EDU_DMA_COUNT, INFLIGHT_SIZE);
	__sync_synchronize();
	reg_write(held, EDU_DMA_CMD, EDU_DMA_TO_RAM | EDU_DMA_RUN);
}

/*
 * Offer the cdev fd to a LUO session: the capability probe (ENOENT: no VFIO file handler in this kernel). The
 * device is left with a pattern in its buffer and its DMA mapped onto a memfd preserved in the same session, so
 * a DMA started just before the kexec (SIGUSR1 to the holder) leaves its fate in preserved memory. Every IRQ is
 * off, as the freeze demands. On success a holder keeps session, device and iommufd until the kexec.
 */
static int cmd_preserve(struct vfio_dev *e, const struct options *o)
{
	int memfd;
	uint8_t *buf = inflight_area("vfio-edu-inflight", DMA_MAP_LEN, &memfd);

	edu_enable(e);
	dma_map(e, buf, o->iova, DMA_MAP_LEN);
	pattern_fill(PATTERN_PRNG, o->seed, buf + DMA_SRC_OFF, INFLIGHT_SIZE);
	dma_transfer(e, o->iova + DMA_SRC_OFF, EDU_BUF_ADDR, INFLIGHT_SIZE, 0);
	memset(buf + DMA_DST_OFF, 0, DMA_MAP_LEN - DMA_DST_OFF);
	held = e;
	held_iova = o->iova;
	return preserve_and_hold(e, o->session, memfd, o->seed, start_inflight_dma);
}

/* The freeze must refuse a device whose MSI is still armed (refuse_kexec_armed). */
static int cmd_refuse_kexec(struct vfio_dev *e, const struct options *o)
{
	int efd;

	edu_enable(e);
	efd = irq_eventfd("MSI");
	set_msi_trigger(e, efd);
	return refuse_kexec_armed(e, o->session);
}

/* What became of the DMA started just before the kexec: the memfd's second page against the pattern. */
static void check_inflight(struct vfio_dev *e, int memfd, uint64_t seed)
{
	uint8_t *buf = mmap(NULL, DMA_MAP_LEN, PROT_READ, MAP_SHARED, memfd, 0);

	if (buf == MAP_FAILED)
		die("mmap", "retrieved in-flight memfd");
	report_inflight(e, buf + DMA_DST_OFF, INFLIGHT_SIZE, seed);
}

/*
 * After the kexec, the preserved device's whole way back, in the order the uAPI defines it, each step with the
 * kernel's answer: the session, open() of the cdev (EBUSY while preserved), FINISH before the retrieve (refused),
 * the in-flight memfd, RETRIEVE_FD of the device, FINISH before the iommufd bind (refused), bind and attach,
 * DMA at the same IOVA, MSI from scratch, FINISH.
 */
static int cmd_resume(const char *bdf, struct options *o)
{
	int session, status;
	struct vfio_dev e = { .bdf = bdf, .device_fd = -1, .iommufd = -1 };

	session = retrieve_device(&e, bdf, o->session, o->seed, check_inflight);
	if (session < 0)
		return 1;
	/*
	 * Another seed than the in-flight pattern's (still in the device's
	 * buffer): the DMA must be done by this kernel, not found left over.
	 */
	o->seed += 1;
	status = cmd_dma(&e, o);
	status |= cmd_msi(&e, o);
	report_step(&e, "finish", luo_finish(session) < 0 ? errno : 0);
	return status;
}

/* ---- arguments ---- */

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "iova", required_argument, NULL, 'i' },
		{ "kind", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 'S' },
		{ "count", required_argument, NULL, 'c' },
		{ "quiet-ms", required_argument, NULL, 'q' },
		{ "session", required_argument, NULL, 'n' },
		{ "cpu", required_argument, NULL, 'C' },
		{ 0 },
	};
	struct options o = {
		.iova = 0x100000000ULL,	/* above 4 GiB: proves 64-bit DMA via the IOMMU */
		.kind = PATTERN_ADDR,
		.count = 8,
		.quiet_ms = 300,
		.cpu = -1,
	};
	const char *command, *bdf;
	struct vfio_dev e;
	int c;

	if (argc < 3)
		usage("expected a command and a BDF");
	command = argv[1];
	optind = 2;
	opterr = 0;	/* usage() reports it, as JSON */
	while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (c) {
		case 'i': o.iova = option_u64(usage_text, "--iova", optarg); break;
		case 'k':
			if (pattern_kind_parse(optarg, &o.kind))
				usage("--kind: '%s' is not addr, prng or walking", optarg);
			break;
		case 'S': o.seed = option_u64(usage_text, "--seed", optarg); o.seed_given = true; break;
		case 'c': o.count = option_u64(usage_text, "--count", optarg); break;
		case 'q': o.quiet_ms = option_u64(usage_text, "--quiet-ms", optarg); break;
		case 'n': o.session = optarg; break;
		case 'C':
			o.cpu = (int64_t)option_u64(usage_text, "--cpu", optarg);
			if ((uint64_t)o.cpu >= MAX_CPUS)
				usage("--cpu: %s is past CPU %d", optarg, MAX_CPUS - 1);
			break;
		default: usage("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		usage("expected exactly one BDF after the options");
	bdf = argv[optind];
	if (!valid_bdf(bdf))
		usage("'%s' is not a BDF like 0000:00:04.0", bdf);

	if (!strcmp(command, "dma")) {
		if (o.iova % 4096 || o.iova > UINT64_MAX - DMA_MAP_LEN)
			usage("--iova: 0x%llx is not a page-aligned address",
			      (unsigned long long)o.iova);
		if (!o.seed_given && getrandom(&o.seed, sizeof(o.seed), 0) != sizeof(o.seed))
			die("getrandom", "seed");
		vfio_open(&e, bdf);
		return cmd_dma(&e, &o);
	}
	if (!strcmp(command, "msi")) {
		if (o.count < 1 || o.count > MAX_RAISES || o.quiet_ms > 60000)
			usage("--count must be 1..%d and --quiet-ms at most 60000", MAX_RAISES);
		vfio_open(&e, bdf);
		return cmd_msi(&e, &o);
	}
	if (!strcmp(command, "config")) {
		vfio_open(&e, bdf);
		return cmd_config(&e);
	}
	if (!strcmp(command, "preserve") || !strcmp(command, "refuse-kexec") || !strcmp(command, "resume")) {
		if (!valid_session_name(o.session))
			usage("--session: a name of 1..%d bytes is required",
			      LIVEUPDATE_SESSION_NAME_LENGTH - 1);
		if (!strcmp(command, "resume"))
			return cmd_resume(bdf, &o);
		vfio_open(&e, bdf);
		return !strcmp(command, "preserve") ? cmd_preserve(&e, &o) : cmd_refuse_kexec(&e, &o);
	}
	usage("unknown command '%s'", command);
}
