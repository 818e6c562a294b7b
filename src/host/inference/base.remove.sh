# The launcher goes; the models, the user that owns them and its home stay.
rm -f -- "$GPU_EXEC"
rmdir --ignore-fail-on-non-empty -- "$CONF_DIR" 2>/dev/null || true
