# cuda-profile apply: write /etc/profile.d/cuda.sh (PATH and LD_LIBRARY_PATH for login shells).
aiws_write "$PROFILE_FILE" "$(aiws_text_profile)"
