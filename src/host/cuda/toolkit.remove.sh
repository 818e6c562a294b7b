# cuda-toolkit remove: nothing. The toolkit stays installed (projects build against it);
# 'apt purge' it to remove it.
:
