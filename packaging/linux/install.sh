#!/usr/bin/env bash
# Adds Workbench, from this folder, to your applications menu and lets a double-click on a .wbproj project file
# open it; for the current user only, no administrator rights needed. Run it again after moving the folder.
# ./uninstall.sh takes it away again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps=$data/applications
mime=$data/mime
icons=$data/icons/hicolor
bin=$HOME/.local/bin

# The Exec line names this folder's launcher; quoted and escaped as the desktop entry specification asks when the
# path holds characters that need it (unquoted otherwise, which xdg-open's own fallback parser also understands).
exec_path=$here/Workbench
if [[ ! $exec_path =~ ^[A-Za-z0-9/._+,:@=-]+$ ]]; then
  exec_path=${exec_path//\\/\\\\\\\\}
  exec_path=${exec_path//\"/\\\\\"}
  exec_path=${exec_path//\`/\\\\\`}
  exec_path=${exec_path//\$/\\\\\$}
  exec_path=\"${exec_path//%/%%}\"
fi
mkdir -p "$apps" "$mime/packages" "$icons/scalable/apps" "$bin"
while IFS= read -r line; do
  case "$line" in
    Exec=*) printf 'Exec=%s %%f\n' "$exec_path" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$here/desktop/workbench.desktop" > "$apps/workbench.desktop"
cp "$here/desktop/workbench-mime.xml" "$mime/packages/workbench.xml"
cp "$here/_internal/resources/icons/workbench.svg" "$icons/scalable/apps/workbench.svg"
for size in 16 24 32 48 64 128 256 512; do
  mkdir -p "$icons/${size}x${size}/apps" "$icons/${size}x${size}/mimetypes"
  cp "$here/_internal/resources/icons/workbench-$size.png" "$icons/${size}x${size}/apps/workbench.png"
  cp "$here/_internal/resources/icons/workbench-$size.png" \
     "$icons/${size}x${size}/mimetypes/application-x-workbench-project.png"
done
ln -sfn "$here/Workbench" "$bin/workbench"

if command -v update-mime-database >/dev/null; then update-mime-database "$mime"; fi
if command -v update-desktop-database >/dev/null; then update-desktop-database -q "$apps" || true; fi
if command -v xdg-mime >/dev/null; then xdg-mime default workbench.desktop application/x-workbench-project; fi
touch "$icons" 2>/dev/null || true  # desktops reload their icon cache when the folder changes

echo "Workbench is in your applications menu (under Science) and opens .wbproj files."
case ":$PATH:" in
  *":$bin:"*) echo "The 'workbench' command runs it from a terminal." ;;
  *) echo "The 'workbench' command is in $bin (add that folder to PATH to use it from a terminal)." ;;
esac
