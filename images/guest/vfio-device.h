/*
 * The VFIO plumbing the device helpers (vfio-edu, vfio-igb) share: a PCI
 * function opened through its VFIO cdev and bound to iommufd, its regions
 * and config space, BAR and DMA mappings, interrupt triggers, the two
 * ways a helper gives up (die, fail), as "error" events (helper.h), and the
 * steps of a live update of the device, with the events that report them.
 */
#ifndef LUO_VFIO_DEVICE_H
#define LUO_VFIO_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/vfio.h>

#include "helper.h"

/* A syscall failed: report errno and give up; exit closes every fd. */
#define die(op, ...) do {						\
	report_error(op, errno ? errno : EIO, __VA_ARGS__);		\
	exit(1);							\
} while (0)

/* A check (not a syscall) failed in a way that stops the run. */
#define fail(op, ...) do {						\
	report_error(op, 0, __VA_ARGS__);				\
	exit(1);							\
} while (0)

struct vfio_dev {
	const char *bdf;
	int device_fd;
	int iommufd;
	uint32_t ioas_id;
	struct vfio_region_info config;
	volatile uint8_t *bar0;	/* the helper maps it: map_bar() */
};

/* dddd:bb:dd.f, lowercase hex: it becomes part of sysfs paths. */
bool valid_bdf(const char *bdf);

/*
 * Start an output line about the device: {"event":EVENT,"bdf":... Inline:
 * json.h's line under construction is one per C file, the caller's.
 */
static inline void device_event_begin(const struct vfio_dev *d, const char *event)
{
	json_begin(event);
	json_str("bdf", d->bdf);
}

/* open() of the device's cdev: the fd, or -1 with errno (EBUSY while a live update holds the device). */
int open_cdev(const char *bdf);

/* Take a device fd (opened, or handed back by LUO), bind it to iommufd, find its config region. */
void vfio_adopt(struct vfio_dev *d, const char *bdf, int device_fd);

/* Open the device's cdev and adopt it; dies when it is not bound to vfio-pci. */
void vfio_open(struct vfio_dev *d, const char *bdf);

void region_info(struct vfio_dev *d, uint32_t index, struct vfio_region_info *info);

/* mmap BAR @index whole, read-write; fails unless it is mmap-able and at least @min_size bytes. */
volatile uint8_t *map_bar(struct vfio_dev *d, uint32_t index, uint64_t min_size);

/* Map @len bytes at @buf for the device to read and write at @iova. */
void dma_map(struct vfio_dev *d, void *buf, uint64_t iova, uint64_t len);

/*
 * Point vectors 0..@count-1 of IRQ index @index at the eventfds @fds, or
 * (@count 0) disarm the index; @what names it in an error ("MSI arm").
 */
void set_irq_triggers(struct vfio_dev *d, uint32_t index, const int32_t *fds,
		      uint32_t count, const char *what);

/* A non-blocking eventfd for an interrupt trigger, or give up naming the interrupt (@fmt). */
__attribute__((format(printf, 1, 2)))
int irq_eventfd(const char *fmt, ...);

/*
 * Where config space is read from: the VFIO config region (never mmap-able),
 * or the kernel's sysfs "config" file. VFIO virtualises parts of it, the MSI
 * capability whole: there we see the device as it was at open plus our own
 * writes. sysfs reads the device itself.
 */
struct config_view {
	int fd;
	off_t base;
};

struct config_view vfio_config(struct vfio_dev *d);
struct config_view sysfs_config(struct vfio_dev *d);
void config_read(struct config_view v, uint32_t where, void *buf, size_t len);
void config_write(struct config_view v, uint32_t where, const void *buf, size_t len);
uint8_t config_u8(struct config_view v, uint32_t where);
uint16_t config_u16(struct config_view v, uint32_t where);
uint32_t config_u32(struct config_view v, uint32_t where);

/* Offset of capability @id in the standard list, or 0. */
uint32_t find_capability(struct config_view v, uint8_t id);

/* ---- Live update ---- */

/* Tokens in the device's LUO session: the device fd, and the memfd its last DMA writes into. */
#define PRESERVE_TOKEN	0
#define INFLIGHT_TOKEN	1

/*
 * {"event":"step","bdf":...,"step":NAME,"errno":NAME|null}: one uAPI step of
 * the live update and its answer (@err 0: it succeeded). Returns @err.
 */
int report_step(const struct vfio_dev *d, const char *step, int err);

/* A new LUO session named @name, its fd; dies when LUO refuses. */
int create_session(const char *name);

/*
 * The "inflight" event: what became of a DMA started just before the kexec,
 * @size bytes of @buf (read from the preserved memfd it wrote into) against
 * the PRNG pattern of @seed: completed, dropped (all zero) or garbled.
 */
void report_inflight(const struct vfio_dev *d, const uint8_t *buf, size_t size, uint64_t seed);

/*
 * After the kexec, the preserved device's way back up to its iommufd bind, in
 * the order the uAPI defines it, each step reported with the kernel's answer:
 * the session, open() of the cdev (EBUSY while preserved), FINISH before the
 * retrieve (refused), the in-flight memfd (handed to @check_inflight with
 * @seed), RETRIEVE_FD of the device, FINISH before the bind (refused), bind
 * and attach into @d. Returns the session fd, or -1 when the way is blocked.
 */
int retrieve_device(struct vfio_dev *d, const char *bdf, const char *session_name, uint64_t seed,
		    void (*check_inflight)(struct vfio_dev *d, int memfd, uint64_t seed));

/* A LUO session name the uAPI takes: 1 to LIVEUPDATE_SESSION_NAME_LENGTH - 1 bytes. */
bool valid_session_name(const char *name);

/*
 * The in-flight DMA area: a memfd of @len bytes, mapped read-write and
 * populated, to be preserved beside the device; its fd in @memfd. Dies on
 * failure.
 */
uint8_t *inflight_area(const char *name, size_t len, int *memfd);

/*
 * Offer the device fd to a new LUO session (token PRESERVE_TOKEN) and print
 * the "preserve" event with the kernel's answer (ENOENT: no VFIO file handler
 * in this kernel; a report, not a failure). When accepted, preserve @memfd
 * too (INFLIGHT_TOKEN), fork a holder that keeps them until the kexec and
 * calls @start_inflight on SIGUSR1, and print "ready" with its pid and
 * @seed. Returns the exit status: 0.
 */
int preserve_and_hold(struct vfio_dev *d, const char *session_name, int memfd, uint64_t seed,
		      void (*start_inflight)(void));

/*
 * The freeze must refuse a device whose interrupt is still armed: with the
 * caller's trigger set, preserve the device and ask for the kexec ourselves
 * (the harness loaded the kernel). A kernel that refuses returns here: its
 * answer and what the device fd answers afterwards are steps; exit closes
 * the session. Returns the exit status: 0.
 */
int refuse_kexec_armed(struct vfio_dev *d, const char *session_name);

#endif /* LUO_VFIO_DEVICE_H */
