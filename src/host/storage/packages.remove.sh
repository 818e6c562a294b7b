# vars: PACKAGES
# Packages stay: removing mdadm would leave the array unassembled at the next boot, and other
# software may need the rest. `apt-get remove` them by hand if you really want them gone.
echo "left installed: $PACKAGES"
