// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO plumbing of the device helpers: see vfio-device.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/reboot.h>

#include "holder.h"
#include "vfio-device.h"

bool valid_bdf(const char *bdf)
{
	static const char shape[] = "xxxx:xx:xx.x";
	size_t i;

	if (strlen(bdf) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i]; i++) {
		bool hex = (bdf[i] >= '0' && bdf[i] <= '9') || (bdf[i] >= 'a' && bdf[i] <= 'f');

		if (shape[i] == 'x' ? !hex : bdf[i] != shape[i])
			return false;
	}
	return true;
}

/* ---- Opening the device: VFIO cdev + iommufd ---- */

/* The vfioN name under /sys/bus/pci/devices/BDF/vfio-dev, if any. */
static bool find_cdev(const char *bdf, char *name, size_t len)
{
	char dir_path[128];
	struct dirent *entry;
	bool found = false;
	DIR *dir;

	snprintf(dir_path, sizeof(dir_path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(dir_path);
	if (!dir)
		return false;
	while (!found && (entry = readdir(dir))) {
		if (!strncmp(entry->d_name, "vfio", 4) && strlen(entry->d_name) < len) {
			strcpy(name, entry->d_name);
			found = true;
		}
	}
	closedir(dir);
	return found;
}

/* Bind the device fd to a new iommufd and attach it to an empty IOAS. */
static void bind_iommufd(struct vfio_dev *d)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };

	d->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (d->iommufd < 0)
		die("open", "/dev/iommu");
	/* Until bound, the cdev refuses every other ioctl. */
	bind.iommufd = d->iommufd;
	if (ioctl(d->device_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("VFIO_DEVICE_BIND_IOMMUFD", "%s", d->bdf);
	if (ioctl(d->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC", "on /dev/iommu");
	d->ioas_id = alloc.out_ioas_id;
	/* An empty IOAS: the device can DMA only where we map. */
	attach.pt_id = d->ioas_id;
	if (ioctl(d->device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT", "ioas %u", d->ioas_id);
}

int open_cdev(const char *bdf)
{
	char cdev[32], path[64];

	if (!find_cdev(bdf, cdev, sizeof(cdev))) {
		errno = ENOENT;
		return -1;
	}
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", cdev);
	return open(path, O_RDWR | O_CLOEXEC);
}

void region_info(struct vfio_dev *d, uint32_t index, struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(d->device_fd, VFIO_DEVICE_GET_REGION_INFO, info))
		die("VFIO_DEVICE_GET_REGION_INFO", "region %u", index);
}

void vfio_adopt(struct vfio_dev *d, const char *bdf, int device_fd)
{
	memset(d, 0, sizeof(*d));
	d->bdf = bdf;
	d->device_fd = device_fd;
	bind_iommufd(d);
	region_info(d, VFIO_PCI_CONFIG_REGION_INDEX, &d->config);
}

void vfio_open(struct vfio_dev *d, const char *bdf)
{
	int fd = open_cdev(bdf);

	if (fd < 0)
		die("open", "VFIO cdev of %s (is it bound to vfio-pci?)", bdf);
	vfio_adopt(d, bdf, fd);
}

/* ---- BARs, DMA, interrupts ---- */

volatile uint8_t *map_bar(struct vfio_dev *d, uint32_t index, uint64_t min_size)
{
	struct vfio_region_info bar;
	void *p;

	region_info(d, index, &bar);
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar.size < min_size)
		fail("VFIO_DEVICE_GET_REGION_INFO", "BAR%u not mmap-able (flags 0x%x size 0x%llx)",
		     index, bar.flags, (unsigned long long)bar.size);
	p = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->device_fd,
		 (off_t)bar.offset);
	if (p == MAP_FAILED)
		die("mmap", "BAR%u", index);
	return p;
}

void dma_map(struct vfio_dev *d, void *buf, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = d->ioas_id,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	if (ioctl(d->iommufd, IOMMU_IOAS_MAP, &map))
		die("IOMMU_IOAS_MAP", "iova 0x%llx length 0x%llx",
		    (unsigned long long)iova, (unsigned long long)len);
}

#define MAX_TRIGGERS 32

void set_irq_triggers(struct vfio_dev *d, uint32_t index, const int32_t *fds,
		      uint32_t count, const char *what)
{
	union {
		struct vfio_irq_set set;
		uint8_t bytes[sizeof(struct vfio_irq_set) + MAX_TRIGGERS * sizeof(int32_t)];
	} irq;

	if (count > MAX_TRIGGERS)
		fail("VFIO_DEVICE_SET_IRQS", "%s: %u vectors, at most %d", what, count, MAX_TRIGGERS);
	memset(&irq, 0, sizeof(irq));
	irq.set.argsz = sizeof(struct vfio_irq_set) + count * sizeof(int32_t);
	irq.set.index = index;
	irq.set.start = 0;
	irq.set.count = count;
	if (count) {
		irq.set.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		memcpy(irq.set.data, fds, count * sizeof(int32_t));
	} else {
		irq.set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	}
	if (ioctl(d->device_fd, VFIO_DEVICE_SET_IRQS, &irq))
		die("VFIO_DEVICE_SET_IRQS", "%s %s", what, count ? "arm" : "disarm");
}

int irq_eventfd(const char *fmt, ...)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	va_list ap;

	if (efd >= 0)
		return efd;
	va_start(ap, fmt);
	report_error_v("eventfd", errno ? errno : EIO, fmt, ap);
	va_end(ap);
	exit(1);
}

/* ---- Config space ---- */

struct config_view vfio_config(struct vfio_dev *d)
{
	return (struct config_view){ d->device_fd, (off_t)d->config.offset };
}

struct config_view sysfs_config(struct vfio_dev *d)
{
	char path[80];
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", d->bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open", "%s", path);
	return (struct config_view){ fd, 0 };
}

void config_read(struct config_view v, uint32_t where, void *buf, size_t len)
{
	errno = 0;
	if (pread(v.fd, buf, len, v.base + where) != (ssize_t)len)
		die("pread", "config space 0x%x+%zu", where, len);
}

void config_write(struct config_view v, uint32_t where, const void *buf, size_t len)
{
	errno = 0;
	if (pwrite(v.fd, buf, len, v.base + where) != (ssize_t)len)
		die("pwrite", "config space 0x%x+%zu", where, len);
}

/* PCI is little-endian, and so is x86: no swapping needed here. */
uint8_t config_u8(struct config_view v, uint32_t where)
{
	uint8_t value;

	config_read(v, where, &value, 1);
	return value;
}

uint16_t config_u16(struct config_view v, uint32_t where)
{
	uint16_t value;

	config_read(v, where, &value, 2);
	return value;
}

uint32_t config_u32(struct config_view v, uint32_t where)
{
	uint32_t value;

	config_read(v, where, &value, 4);
	return value;
}

uint32_t find_capability(struct config_view v, uint8_t id)
{
	uint32_t pos;
	int hops;

	if (!(config_u16(v, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = config_u8(v, PCI_CAPABILITY_LIST) & ~3u;
	/* The bound stops a looped list: 48 capabilities fill 256 bytes. */
	for (hops = 0; pos >= 0x40 && hops < 48; hops++) {
		if (config_u8(v, pos + PCI_CAP_LIST_ID) == id)
			return pos;
		pos = config_u8(v, pos + PCI_CAP_LIST_NEXT) & ~3u;
	}
	return 0;
}

/* ---- Live update: the steps of the device's way through a kexec ---- */

int report_step(const struct vfio_dev *d, const char *step, int err)
{
	device_event_begin(d, "step");
	json_str("step", step);
	json_errno("errno", err);
	json_end();
	return err;
}

/*
 * /dev/liveupdate is closed again at once: the session lives on without it,
 * and others (luo-agent) need the device.
 */
int create_session(const char *name)
{
	int luo = open(LIVEUPDATE_DEV, O_RDWR | O_CLOEXEC), session;

	if (luo < 0)
		die("open", "%s", LIVEUPDATE_DEV);
	session = luo_create_session(luo, name);
	if (session < 0)
		die("LIVEUPDATE_IOCTL_CREATE_SESSION", "session %s", name);
	close(luo);
	return session;
}

void report_inflight(const struct vfio_dev *d, const uint8_t *buf, size_t size, uint64_t seed)
{
	struct pattern_result r;
	size_t zeros = 0, i;

	pattern_verify(PATTERN_PRNG, seed, buf, size, &r);
	for (i = 0; i < size; i++)
		zeros += !buf[i];
	device_event_begin(d, "inflight");
	json_str("outcome", r.ok ? "completed" : zeros == size ? "dropped" : "garbled");
	json_u64("size", size);
	json_u64("bad_bytes", r.bad_bytes);
	json_u64("zero_bytes", zeros);
	json_end();
}

int retrieve_device(struct vfio_dev *d, const char *bdf, const char *session_name, uint64_t seed,
		    void (*check_inflight)(struct vfio_dev *d, int memfd, uint64_t seed))
{
	int luo, session, fd, memfd;

	luo = open(LIVEUPDATE_DEV, O_RDWR | O_CLOEXEC);
	if (luo < 0)
		die("open", "%s", LIVEUPDATE_DEV);
	session = luo_retrieve_session(luo, session_name);
	if (report_step(d, "retrieve-session", session < 0 ? errno : 0))
		return -1;
	fd = open_cdev(bdf);
	report_step(d, "open-cdev-before-finish", fd < 0 ? errno : 0);
	if (fd >= 0)
		close(fd);
	report_step(d, "finish-before-retrieve", luo_finish(session) < 0 ? errno : 0);
	memfd = luo_retrieve_fd(session, INFLIGHT_TOKEN);
	if (!report_step(d, "retrieve-inflight-memfd", memfd < 0 ? errno : 0))
		check_inflight(d, memfd, seed);
	fd = luo_retrieve_fd(session, PRESERVE_TOKEN);
	if (report_step(d, "retrieve-device", fd < 0 ? errno : 0))
		return -1;
	report_step(d, "finish-before-bind", luo_finish(session) < 0 ? errno : 0);
	vfio_adopt(d, bdf, fd);
	report_step(d, "bind-iommufd", 0);
	return session;
}

bool valid_session_name(const char *name)
{
	return name && *name && strlen(name) < LIVEUPDATE_SESSION_NAME_LENGTH;
}

uint8_t *inflight_area(const char *name, size_t len, int *memfd)
{
	uint8_t *mem;

	*memfd = memfd_create(name, MFD_CLOEXEC);
	if (*memfd < 0 || ftruncate(*memfd, len))
		die("memfd_create", "in-flight DMA area");
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, *memfd, 0);
	if (mem == MAP_FAILED)
		die("mmap", "in-flight DMA area");
	return mem;
}

int preserve_and_hold(struct vfio_dev *d, const char *session_name, int memfd, uint64_t seed,
		      void (*start_inflight)(void))
{
	int session, err;
	pid_t pid;

	session = create_session(session_name);
	err = luo_preserve_fd(session, d->device_fd, PRESERVE_TOKEN) < 0 ? errno : 0;
	device_event_begin(d, "preserve");
	json_str("session", session_name);
	json_u64_str("token", PRESERVE_TOKEN);
	json_bool("supported", !err);
	json_errno("errno", err);
	json_end();
	if (err)
		return 0;	/* a report, not a failure; exit closes the session */
	report_step(d, "preserve-inflight-memfd", luo_preserve_fd(session, memfd, INFLIGHT_TOKEN) < 0 ? errno : 0);
	pid = hold_until_kexec(NULL, start_inflight);
	if (pid < 0)
		die("holder", "could not start the holder of session %s", session_name);
	device_event_begin(d, "ready");
	json_str("session", session_name);
	json_i64("pid", pid);
	json_hex("inflight_seed", seed);
	json_end();
	return 0;
}

int refuse_kexec_armed(struct vfio_dev *d, const char *session_name)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int session = create_session(session_name);

	if (report_step(d, "preserve-with-msi-armed", luo_preserve_fd(session, d->device_fd, PRESERVE_TOKEN) < 0 ? errno : 0))
		return 0;
	sync();
	report_step(d, "kexec", reboot(LINUX_REBOOT_CMD_KEXEC) < 0 ? errno : 0);
	report_step(d, "device-fd-after-refused-kexec", ioctl(d->device_fd, VFIO_DEVICE_GET_INFO, &info) ? errno : 0);
	return 0;
}
