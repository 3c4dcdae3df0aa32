#!/bin/sh
# kubelab/redis: Debian's redis-server, listening on every address of the pod on port 6379, keeping nothing on
# disk. It refuses to start without a password: give one in REDIS_PASSWORD (from a Secret, with secretKeyRef)
# or as an argument, --requirepass "$(DB_PASSWORD)".
set -eu
if [ -n "${REDIS_PASSWORD:-}" ]; then
  set -- --requirepass "$REDIS_PASSWORD" "$@"
else
  case " $* " in
    *" --requirepass "*) ;;
    *)
      echo 'kubelab/redis: no password given: set the environment variable REDIS_PASSWORD (for example from a Secret) or pass --requirepass <password>' >&2
      exit 1
      ;;
  esac
fi
echo "kubelab/redis: Redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on port 6379, password required"
exec redis-server --bind 0.0.0.0 --port 6379 --dir /tmp --save '' --appendonly no "$@"
