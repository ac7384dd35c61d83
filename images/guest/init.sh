#!/bin/sh
# PID 1 of the guest: mount what the helpers need, bring up the NIC for QEMU's
# user network, start the SSH server, then tell the host on the serial console.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp /mnt/next
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname luo-guest

# QEMU user networking: fixed guest address, host reachable through hostfwd only.
ip link set lo up
for nic in /sys/class/net/eth*; do
	[ -e "$nic" ] || continue
	name=${nic##*/}
	ip link set "$name" up
	ip addr add 10.0.2.15/24 dev "$name"
	ip route add default via 10.0.2.2 dev "$name"
	break
done

# The next kernel and initramfs for kexec come from the host over 9p when shared. cache=loose: a file on the share
# never changes while the guest runs (more arrive, under new names), so kexec may read it through the page cache.
if grep -q luo_next /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null; then
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose luo_next /mnt/next
fi

# -E: dropbear's log goes to the serial console, where a dropped SSH connection leaves its reason.
dropbear -E -r /etc/dropbear/host_key -p 22 -s -j -k -P /run/dropbear.pid 2>/dev/console
echo "luo-harness: ssh ready boot_id=$(cat /proc/sys/kernel/random/boot_id)" > /dev/console

# PID 1 must never exit; it idles while the host drives the guest over SSH.
while :; do sleep 3600; done
