# pulumi destroy never touches a filesystem or its data.
echo "$DEVICE keeps its $FSTYPE filesystem and everything on it"
