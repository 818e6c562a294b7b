#!/usr/bin/env bash
# Starts the lab NAS: sshd, chrooted into an overlay of the guest image's root tree, with an
# `aiws-backup` account whose home for backups is /srv/backup (SFTP for restic, a shell for
# rsync). Run inside the NAS network namespace and a private mount and UTS namespace:
#   ip netns exec aiws-nas unshare --mount --uts --propagation private start-nas.sh ...
# so the overlay, /dev and /proc mounts exist only for this sshd and vanish when it exits.
# The backups go to a volume of its own (a tmpfs of VOLUME_MIB at /srv/backup), so a full NAS
# is a real "no space left on device"; the host reads it at /proc/<sshd pid>/root/srv/backup.
# Usage: start-nas.sh LOWER_ROOTFS RUN_DIR NAS_IP BACKUP_PUBKEY HOST_KEY VOLUME_MIB
set -euo pipefail

lower=$1 dir=$2 ip=$3 backup_pub=$4 host_key=$5 volume_mib=$6
upper=$dir/upper work=$dir/work merged=$dir/merged
mkdir -p "$upper" "$work" "$merged"
mount -t overlay aiws-nas -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$merged"
mount --rbind /dev "$merged/dev"
mount -t proc proc "$merged/proc"
hostname nas
in_nas() { chroot "$merged" "$@"; }

# '*' rather than a locked '!' password: this sshd runs without PAM and would refuse a locked
# account even with a valid key.
in_nas id aiws-backup >/dev/null 2>&1 || in_nas useradd --create-home --shell /bin/sh aiws-backup
in_nas usermod --password '*' aiws-backup
in_nas install -d -m 700 -o aiws-backup -g aiws-backup /home/aiws-backup/.ssh
install -m 600 "$backup_pub" "$merged/home/aiws-backup/.ssh/authorized_keys"
in_nas chown aiws-backup:aiws-backup /home/aiws-backup/.ssh/authorized_keys
mkdir -p "$merged/srv/backup"
mount -t tmpfs -o "size=${volume_mib}m,mode=0750" aiws-nas-volume "$merged/srv/backup"
in_nas install -d -m 750 -o aiws-backup -g aiws-backup /srv/backup
install -m 600 "$host_key" "$merged/etc/ssh/nas_host_ed25519_key"
echo "nas" >"$merged/etc/hostname"

cat >"$merged/etc/ssh/sshd_config_nas" <<SSHD
ListenAddress $ip
HostKey /etc/ssh/nas_host_ed25519_key
PidFile /run/sshd-nas.pid
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys
UseDNS no
Subsystem sftp internal-sftp
SSHD
mkdir -p "$merged/run/sshd"
rm -f "$merged/run/sshd-nas.pid"
# sshd forks into the background once it listens; this namespace lives as long as it does.
exec chroot "$merged" /usr/sbin/sshd -f /etc/ssh/sshd_config_nas -E /var/log/sshd-nas.log
