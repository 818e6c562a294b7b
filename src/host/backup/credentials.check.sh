problem=$(aiws_credentials_problem)
if [ -n "$problem" ]; then
  echo "$problem"
  exit 1
fi
