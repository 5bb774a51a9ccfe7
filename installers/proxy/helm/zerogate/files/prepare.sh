# Prepares a Zerogate pod before the proxy starts: the chart's init container "prepare" runs it
# with /bin/sh (test/installers/helm.test.ts runs it too). It reads only these variables, which
# the Deployment sets:
#   ZG_DATA_DIR        the proxy's data dir; created 0700 if missing
#   ZG_KEYS_DIR        (optional) a mounted Secret holding key files for the data dir
#   ZG_KEY_FILES       the names that may be copied from it: the files every node shares
#   ZG_REQUIRED_KEYS   (optional) names that must be in the data dir afterwards, or the pod stops
#                      here instead of letting the proxy make keys of its own
#   ZG_STORE_URL_FILE  (optional) a file holding store.url: the PostgreSQL URL with its password
#   ZG_CONFIG_SOURCE   with ZG_STORE_URL_FILE: the zerogate.yaml to extend (ConfigMap or Secret)
#   ZG_CONFIG_OUT      with ZG_STORE_URL_FILE: where to write it with `store.url` added
set -eu
umask 077
mkdir -p "$ZG_DATA_DIR"

# Key files: copied, not linked, so that they belong to the proxy's user with mode 0600 (the
# proxy narrows its files' modes itself, which it may only do on files it owns). A file already
# in the data dir is never replaced: a persistent volume keeps the keys it has.
if [ -n "${ZG_KEYS_DIR:-}" ]; then
  for name in $ZG_KEY_FILES; do
    if [ -e "$ZG_KEYS_DIR/$name" ] && [ ! -e "$ZG_DATA_DIR/$name" ]; then
      cp "$ZG_KEYS_DIR/$name" "$ZG_DATA_DIR/$name.tmp"
      chmod 0600 "$ZG_DATA_DIR/$name.tmp"
      mv "$ZG_DATA_DIR/$name.tmp" "$ZG_DATA_DIR/$name"
      echo "prepare: copied $name from the keys secret"
    fi
  done
fi
for name in ${ZG_REQUIRED_KEYS:-}; do
  if [ ! -e "$ZG_DATA_DIR/$name" ]; then
    echo "prepare: $name is missing from the keys secret; every pod needs the same copy (docs/scale-out.md), so this pod does not start with a key of its own" >&2
    exit 1
  fi
done

# store.url comes from a Secret and is written only into this pod's memory-backed config
# volume (0600): the password is never in a ConfigMap, the pod spec or an image.
if [ -n "${ZG_STORE_URL_FILE:-}" ]; then
  # $(...) drops the trailing newline `kubectl create secret --from-file` often leaves.
  url=$(tr -d '\r' < "$ZG_STORE_URL_FILE")
  newline='
'
  case "$url" in
    "" | *"$newline"*)
      echo "prepare: the store secret must hold one line, the postgresql:// URL" >&2
      exit 1
      ;;
  esac
  if grep -Eq '^store[[:space:]]*:' "$ZG_CONFIG_SOURCE"; then
    echo "prepare: the config already has a store key; with store.existingSecret the chart adds store.url itself" >&2
    exit 1
  fi
  # A YAML double-quoted scalar: only \ and " need escaping (one line, checked above).
  escaped=$(printf '%s' "$url" | sed 's/[\\"]/\\&/g')
  { cat "$ZG_CONFIG_SOURCE"; printf '\nstore:\n  url: "%s"\n' "$escaped"; } > "$ZG_CONFIG_OUT.tmp"
  mv "$ZG_CONFIG_OUT.tmp" "$ZG_CONFIG_OUT"
  echo "prepare: wrote $ZG_CONFIG_OUT with store.url from the store secret"
fi
