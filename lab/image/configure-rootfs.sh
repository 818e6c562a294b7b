#!/usr/bin/env bash
# Configures a freshly debootstrapped root tree as the lab workstation: identity, network,
# SSH access for root and the non-root `aiws` user, a short initramfs module list, and the
# GRUB config that boots the guest's own /vmlinuz and /initrd.img.
# Usage: configure-rootfs.sh ROOTFS LAB_PUBKEY GUEST_CIDR HOSTNAME NAS_IP ROOT_UUID
set -euo pipefail

rootfs=$1 pubkey=$2 guest_cidr=$3 hostname=$4 nas_ip=$5 root_uuid=$6
in_root() { chroot "$rootfs" "$@"; }

echo "$hostname" >"$rootfs/etc/hostname"
cat >"$rootfs/etc/hosts" <<HOSTS
127.0.0.1 localhost
127.0.1.1 $hostname
${guest_cidr%/*} $hostname
$nas_ip nas
HOSTS

# No gateway and no DNS: the guest may reach the lab subnet and nothing else.
cat >"$rootfs/etc/systemd/network/10-lab.network" <<NET
[Match]
Name=eth0

[Network]
Address=$guest_cidr
LinkLocalAddressing=no
IPv6AcceptRA=no
NET
: >"$rootfs/etc/resolv.conf"
in_root systemctl enable systemd-networkd.service >/dev/null 2>&1

cat >"$rootfs/etc/fstab" <<FSTAB
UUID=$root_uuid / ext4 errors=remount-ro 0 1
FSTAB

# SSH: root and aiws log in with the lab key only.
install -d -m 700 "$rootfs/root/.ssh"
install -m 600 "$pubkey" "$rootfs/root/.ssh/authorized_keys"
cat >"$rootfs/etc/ssh/sshd_config.d/lab.conf" <<SSHD
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
SSHD

# The program supports non-root users through `sudo -n`; aiws is that user. '*' rather than
# a locked '!' password so that sshd accepts the key without consulting PAM's account state.
in_root useradd --create-home --shell /bin/bash --groups sudo aiws
in_root usermod --password '*' aiws
install -d -m 700 -o 1000 -g 1000 "$rootfs/home/aiws/.ssh"
install -m 600 -o 1000 -g 1000 "$pubkey" "$rootfs/home/aiws/.ssh/authorized_keys"
echo 'aiws ALL=(ALL) NOPASSWD:ALL' >"$rootfs/etc/sudoers.d/aiws"
chmod 440 "$rootfs/etc/sudoers.d/aiws"

# Under software emulation every initramfs rebuild inside the guest costs about a minute per
# module set; list only what the lab's hardware and the storage steps need.
sed -i 's/^MODULES=.*/MODULES=list/' "$rootfs/etc/initramfs-tools/initramfs.conf"
printf '%s\n' virtio_pci virtio_blk virtio_net nvme ext4 crc32c_generic md_mod raid0 xfs \
  >>"$rootfs/etc/initramfs-tools/modules"

# Drivers for what q35 and `-cpu max` expose but a workstation under test never uses: udev's
# coldplug, slow under emulation, finishes sooner without them (fstab device timeouts!).
printf 'blacklist %s\n' kvm_amd kvm_intel kvm cfg80211 iTCO_wdt iTCO_vendor_support \
  powernow_k8 acpi_cpufreq pcspkr psmouse joydev >"$rootfs/etc/modprobe.d/aiws-lab.conf"

# Background apt runs would take the dpkg lock from under the steps being tested.
in_root systemctl mask apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1

# The guest cannot reach Debian's mirror: its only package source is the lab repository,
# which the CUDA keyring stand-in adds. Everything else it needs is installed here.
: >"$rootfs/etc/apt/sources.list"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb

install -d "$rootfs/boot/grub"
cat >"$rootfs/boot/grub/grub.cfg" <<GRUB
# Written by the aiws lab. /vmlinuz and /initrd.img are Debian's links to the newest kernel
# and its initrd, so this boots whatever the guest last installed or rebuilt.
set timeout=0
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
insmod part_msdos
insmod ext2
search --no-floppy --fs-uuid --set=root $root_uuid
linux /vmlinuz root=UUID=$root_uuid rw console=ttyS0 net.ifnames=0
initrd /initrd.img
boot
GRUB
