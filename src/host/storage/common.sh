# shellcheck shell=bash
# Helpers every storage script shares.

# True when systemd runs this host (not a chroot or a container without it).
# shellcheck disable=SC2317 # not every script calls it
aiws_has_systemd() { [ -d /run/systemd/system ]; }
