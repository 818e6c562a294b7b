# packages remove: nothing. Packages stay installed: removing mdadm would leave the array
# unassembled at the next boot, and people and scripts come to rely on the tools. Remove them
# by hand with apt if you really want them gone.
echo "left installed: $PACKAGES"
