#!/usr/bin/env bash
# Tries a built installer the way a new user would, on a machine with no Python:
#   packaging/smoke-test.sh dist/workbench-VERSION-linux-x86_64.tar.gz
#   packaging/smoke-test.sh dist/workbench_VERSION_amd64.deb        (as root: it installs and removes the package)
# It runs in a mount namespace where every Python interpreter is hidden (python* and pip* in /usr/bin, all of
# /usr/local/bin, ~/.pyenv, ...), with `env -i`, a fresh HOME and an Xvfb display of its own, and:
#   1. installs the bundle (unpacks the .tar.gz and runs its install.sh / `apt-get install ./X.deb`),
#   2. trains the demo project for 2 epochs, evaluates it, exports it to ONNX and adds an int8-static variant,
#      all with the bundled command line and no display,
#   3. starts the app, waits for its window (xdotool) and takes a screenshot,
#   4. opens the trained .wbproj file the way a double-click does (xdg-open) and waits for the window naming it,
#   5. uninstalls (uninstall.sh / `apt-get remove`) and checks that nothing is left.
# What it made (projects, exports, screenshots, the app's output) stays in build/smoke/NAME/, printed at the end.
# Needs: unshare, Xvfb, xdotool, ImageMagick (import), xdg-utils, libfile-mimeinfo-perl, desktop-file-utils,
# shared-mime-info.
set -euo pipefail
trap 'echo "FAILED: line $LINENO: $BASH_COMMAND" >&2' ERR

if [ "${1:-}" = --inside ]; then  # second stage: inside the namespace, Python hidden, environment cleared
  shift
  kind=$1 bundle=$2 out=$3
  fail() { echo "FAILED: $*" >&2; exit 1; }
  step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

  step "No Python reachable"
  for name in python python3 python3.9 python3.10 python3.11 python3.12 python3.13 python3.14 pip pip3; do
    if found=$(command -v "$name"); then fail "$name is reachable at $found"; fi
  done
  for exe in /usr/bin/python3 /usr/bin/python3.11 /usr/local/bin/python3 /root/.pyenv/shims/python3; do
    if [ -e "$exe" ]; then fail "$exe is still there"; fi
  done
  echo "PATH=$PATH; HOME=$HOME; no python, python3 or pip found"

  step "Install ($kind)"
  case "$kind" in
    tar)
      mkdir -p "$HOME/Apps"
      tar -xzf "$bundle" -C "$HOME/Apps"
      folder=$(find "$HOME/Apps" -mindepth 1 -maxdepth 1 -type d)
      "$folder/install.sh"
      [ -f "$HOME/.local/share/applications/workbench.desktop" ] || fail "install.sh added no menu entry"
      workbench=$folder/Workbench
      ;;
    deb)
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$bundle" >"$out/apt-install.log" 2>&1 \
        || { cat "$out/apt-install.log"; fail "apt-get install"; }
      [ "$(command -v workbench)" = /usr/bin/workbench ] || fail "no workbench command on the PATH"
      [ -x /opt/workbench/Workbench ] || fail "nothing in /opt/workbench"
      [ -f /usr/share/applications/workbench.desktop ] || fail "no menu entry"
      workbench=workbench
      ;;
  esac

  step "Command line, no display"
  cd "$out"
  unset DISPLAY
  "$workbench" --help >/dev/null
  "$workbench" train cnn --epochs 2 --out "$out/digits.wbproj"
  "$workbench" evaluate "$out/digits.wbproj"
  "$workbench" export "$out/digits.wbproj" --out "$out/digits-onnx"
  for file in model.onnx predict.py model_card.md labels.txt; do
    [ -s "$out/digits-onnx/$file" ] || fail "the export wrote no $file"
  done
  "$workbench" compress "$out/digits.wbproj" --method int8-static --out "$out/digits-int8.wbproj"
  [ -s "$out/digits-int8.wbproj" ] || fail "compress wrote no project"
  [ -n "$(find "$out" -name '*.onnx' -newer "$out/digits-onnx/model.onnx")" ] || fail "compress wrote no ONNX model"
  "$workbench" train mlp --data iris --epochs 1 --out "$out/iris.wbproj" >/dev/null  # another bundled data set

  step "The app on a display"
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  # A display of our own, numbered 100 or more where other programs' displays are unlikely; -noreset, else the
  # server resets when the first app quits and the one xdg-open starts may find no display.
  xvfb=
  for _ in $(seq 20); do
    number=$((100 + RANDOM % 800))
    [ -e "/tmp/.X$number-lock" ] || [ -e "/tmp/.X11-unix/X$number" ] && continue
    Xvfb ":$number" -screen 0 1440x900x24 -nolisten tcp -noreset >"$out/xvfb.log" 2>&1 &
    xvfb=$!
    for _ in $(seq 100); do
      [ -e "/tmp/.X11-unix/X$number" ] && break 2
      kill -0 $xvfb 2>/dev/null || break
      sleep 0.05
    done
    kill $xvfb 2>/dev/null || true
    xvfb=
  done
  [ -n "$xvfb" ] || { cat "$out/xvfb.log"; fail "Xvfb did not start"; }
  trap 'kill $xvfb 2>/dev/null || true' EXIT
  export DISPLAY=:$number
  wait_window() {  # wait_window TITLE_REGEX: the id of the first visible window whose title matches
    timeout 90 xdotool search --sync --onlyvisible --name "$1" | awk 'NR == 1' 
  }
  started=$(date +%s%N)
  "$workbench" >"$out/app.log" 2>&1 &
  app=$!
  window=$(wait_window 'Workbench') || { cat "$out/app.log"; fail "no Workbench window"; }
  echo "window after $(( ($(date +%s%N) - started) / 1000000 )) ms: $(xdotool getwindowname "$window")"
  sleep 4  # the project loads and the canvas paints after the window appears
  kill -0 $app 2>/dev/null || { cat "$out/app.log"; fail "the app exited"; }
  import -window root "$out/screenshot-app.png"
  kill $app; wait $app 2>/dev/null || true

  step "Opening a .wbproj file as a double-click does"
  [ "$(xdg-mime query filetype "$out/digits.wbproj")" = application/x-workbench-project ] \
    || fail "digits.wbproj is $(xdg-mime query filetype "$out/digits.wbproj"), not application/x-workbench-project"
  [ "$(xdg-mime query default application/x-workbench-project)" = workbench.desktop ] \
    || fail "the default application for .wbproj is '$(xdg-mime query default application/x-workbench-project)'"
  xdg-open "$out/digits.wbproj" >"$out/xdg-open.log" 2>&1 &
  opener=$!
  window=$(wait_window 'digits\.wbproj') || { cat "$out/xdg-open.log"; fail "no window for digits.wbproj"; }
  echo "opened: $(xdotool getwindowname "$window")"
  sleep 3
  import -window root "$out/screenshot-open-wbproj.png"
  app_pid=$(xdotool getwindowpid "$window" 2>/dev/null || true)
  if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null || true; fi
  wait $opener 2>/dev/null || true  # xdg-open returns once the app it started has quit

  step "Uninstall"
  case "$kind" in
    tar)
      "$folder/uninstall.sh"
      for path in "$HOME/.local/share/applications/workbench.desktop" "$HOME/.local/share/mime/packages/workbench.xml" \
                  "$HOME/.local/bin/workbench" "$HOME/.local/share/icons/hicolor/48x48/apps/workbench.png"; do
        [ ! -e "$path" ] || fail "uninstall.sh left $path"
      done
      ;;
    deb)
      DEBIAN_FRONTEND=noninteractive apt-get remove -y -q workbench >"$out/apt-remove.log" 2>&1 \
        || { cat "$out/apt-remove.log"; fail "apt-get remove"; }
      for path in /opt/workbench /usr/bin/workbench /usr/share/applications/workbench.desktop \
                  /usr/share/mime/packages/workbench.xml; do
        [ ! -e "$path" ] && [ ! -L "$path" ] || fail "apt-get remove left $path"
      done
      ;;
  esac
  [ "$(xdg-mime query filetype "$out/digits.wbproj")" != application/x-workbench-project ] \
    || fail "the .wbproj file type is still known after uninstalling"
  step "Passed"
  exit 0
fi

# First stage: prepare, then run the second stage in a mount namespace without Python.
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: packaging/smoke-test.sh BUNDLE.tar.gz|BUNDLE.deb" >&2; exit 2; }
bundle=$(realpath "$1")
case "$bundle" in
  *.tar.gz) kind=tar ;;
  *.deb) kind=deb ;;
  *) echo "BUNDLE must be a .tar.gz or a .deb" >&2; exit 2 ;;
esac
script=$(realpath "$0")
root=$(cd "$(dirname "$script")/.." && pwd)
name=$(basename "$bundle"); name=${name%.tar.gz}; name=${name%.deb}
out=$root/build/smoke/$name
rm -rf "$out"
mkdir -p "$out/home"
installed() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true; }
if [ "$kind" = deb ]; then
  [ "$(id -u)" = 0 ] || { echo "the .deb test installs a package: run it as root" >&2; exit 2; }
  [ "$(installed workbench)" != installed ] || { echo "workbench is already installed; remove it first" >&2; exit 2; }
fi
unshare=(unshare --mount --propagation private)
[ "$(id -u)" = 0 ] || unshare=(unshare --map-root-user --mount)  # a user namespace lets a user mount there

# Inside the namespace: folders of interpreters (pyenv, /usr/local/bin, ...) are covered by empty tmpfs; in the
# system's bin folders an overlay whites out python* and pip*, so they are not there at all, not even by full path.
hide='
  for dir in /usr/local/bin /usr/local/sbin /root/.pyenv /root/.local/bin /root/.local/lib /opt/conda /opt/python \
             /usr/lib/google-cloud-sdk/platform/bundledpythonunix; do
    if [ -d "$dir" ]; then mount -t tmpfs -o size=1m,mode=755 tmpfs "$dir" || exit 1; fi
  done
  layers=$OUT/.layers; mkdir -p "$layers"
  mount -t tmpfs -o size=16m tmpfs "$layers" || exit 1
  for dir in /usr/bin /usr/sbin /bin /sbin; do
    [ -L "$dir" ] && continue  # /bin -> usr/bin on a merged /usr
    upper=$layers/${dir//\//_}/upper work=$layers/${dir//\//_}/work
    mkdir -p "$upper" "$work"
    for exe in "$dir"/python* "$dir"/pip*; do
      if [ -e "$exe" ] || [ -L "$exe" ]; then mknod "$upper/${exe##*/}" c 0 0 || exit 1; fi
    done
    mount -t overlay overlay -o "lowerdir=$dir,upperdir=$upper,workdir=$work" "$dir" || exit 1
  done
  exec env -i HOME="$HOME_DIR" PATH=/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 USER=user \
    XDG_RUNTIME_DIR="$HOME_DIR/.run" bash "$SCRIPT" --inside "$KIND" "$BUNDLE" "$OUT"
'
status=0
HOME_DIR=$out/home SCRIPT=$script KIND=$kind BUNDLE=$bundle OUT=$out \
  "${unshare[@]}" bash -c "$hide" 2>&1 | tee "$out/smoke-test.log" || status=$?
if [ "$kind" = deb ] && [ -n "$(installed workbench)" ]; then  # leave no package, nor its record, behind
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -q workbench >/dev/null 2>&1 || true
fi
echo "Smoke test of $(basename "$bundle"): $([ $status = 0 ] && echo passed || echo FAILED); screenshots, log and" \
     "files in $out"
exit $status
