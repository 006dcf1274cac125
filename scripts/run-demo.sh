#!/usr/bin/env bash
# The main job end to end, as root: install dependencies, build, start a private D-Bus bus and ckd on it
# (in the background, logging to a file that is shown if anything fails), create a tenant, load the
# default model (ckernel's own small English model, tests/data/models/ckernel-en-Q8_0.gguf, loaded by
# its name `default` as after `apt install`), generate text with ckctl, show the status, and shut
# everything down cleanly.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ $(id -u) -ne 0 ]]; then
  echo "run-demo: run as root: ckd makes cgroups, mounts hugetlbfs and reserves huge pages" >&2
  exit 1
fi
"$root/scripts/install-deps.sh"
export BUILD_DIR=${BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
prompt=${CKERNEL_PROMPT:-It was a fine morning, and}
ckd=$BUILD_DIR/ckd/ckd
ckctl_binary=$BUILD_DIR/ckctl/ckctl

work=$(mktemp -d /tmp/ckernel-demo.XXXXXX)
bus_pid='' ckd_pid=''
shut_down() {
  local status=$?
  trap - EXIT INT TERM
  set +e  # clean up everything, whatever fails on the way
  if [[ -n $ckd_pid ]]; then
    echo "== stopping ckd (SIGTERM): it stops the workers, removes the cgroups and gives back the huge pages"
    kill -TERM "$ckd_pid" 2>/dev/null || true
    wait "$ckd_pid"
    local ckd_status=$?
    if ((ckd_status != 0)); then
      echo "run-demo: ckd exited with status $ckd_status" >&2
      status=1
    fi
  fi
  if [[ -n $bus_pid ]]; then
    kill "$bus_pid" 2>/dev/null
    wait "$bus_pid" 2>/dev/null
  fi
  if ((status != 0)) && [[ -f $work/ckd.log ]]; then
    echo "== ckd's log ($work/ckd.log):" >&2
    cat "$work/ckd.log" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap shut_down EXIT
trap 'exit 130' INT TERM

# A bus of our own, so the demo needs no installed D-Bus policy and leaves the system bus alone.
dbus-daemon --session --nofork --nopidfile --address="unix:path=$work/bus" 2>"$work/bus.log" &
bus_pid=$!
bus="unix:path=$work/bus"
for _ in $(seq 100); do [[ -S $work/bus ]] && break; sleep 0.05; done

# The package installs the default model as /usr/share/ckernel/models/default.gguf; here a models
# directory of our own holds it, so that `ckctl load demo default` works as it does after apt install.
mkdir "$work/models"
ln -s "$root/tests/data/models/ckernel-en-Q8_0.gguf" "$work/models/default.gguf"
model=${CKERNEL_MODEL:+$(realpath "$CKERNEL_MODEL")}
model=${model:-default}

echo "== ckd --bus $bus --hugepages 16 --models-dir $work/models (log: $work/ckd.log)"
touch "$work/ckd.conf"  # an empty settings file: the demo ignores /etc/ckernel/ckd.conf
"$ckd" --config "$work/ckd.conf" --bus "$bus" --models-dir "$work/models" --state-dir "$work/state" --runtime-dir "$work/run" \
  --hugetlbfs-mount "$work/run/hugepages" --cgroup-parent "ckernel-demo-$$" --hugepages 16 >"$work/ckd.log" 2>&1 &
ckd_pid=$!

ckctl() {
  echo "== ckctl $*"
  "$ckctl_binary" --bus "$bus" "$@"
}
for _ in $(seq 200); do
  "$ckctl_binary" --bus "$bus" status >/dev/null 2>&1 && break
  kill -0 "$ckd_pid" 2>/dev/null || { echo "run-demo: ckd did not start" >&2; exit 1; }
  sleep 0.05
done

ckctl tenant create demo --cpus "$(cat /sys/devices/system/cpu/online)" --memory 1G
ckctl load demo "$model" --name demo-model
# Sampled (seeded, so the demo prints the same text every time): greedy decoding of a model this small
# falls into loops.
ckctl generate demo demo-model "$prompt" -n 48 --temp 0.7 --top-k 40 --seed 1
ckctl status
ckctl tenant remove demo
