#!/usr/bin/env bash
# Removes what ./install.sh added for the current user: the menu entry, the .wbproj file type, the icons and the
# 'workbench' command. Your projects are not touched. Delete this folder afterwards to remove Workbench itself.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
data=${XDG_DATA_HOME:-$HOME/.local/share}
config=${XDG_CONFIG_HOME:-$HOME/.config}
icons=$data/icons/hicolor

rm -f "$data/applications/workbench.desktop" "$data/mime/packages/workbench.xml" "$icons/scalable/apps/workbench.svg"
for size in 16 24 32 48 64 128 256 512; do
  rm -f "$icons/${size}x${size}/apps/workbench.png" \
        "$icons/${size}x${size}/mimetypes/application-x-workbench-project.png"
done
link=$HOME/.local/bin/workbench
if [ -L "$link" ] && [ "$(readlink "$link")" = "$here/Workbench" ]; then rm -f "$link"; fi
if [ -f "$config/mimeapps.list" ]; then
  sed -i '/^application\/x-workbench-project=/d' "$config/mimeapps.list"
fi
if command -v update-mime-database >/dev/null && [ -d "$data/mime/packages" ]; then
  update-mime-database "$data/mime"
fi
if command -v update-desktop-database >/dev/null && [ -d "$data/applications" ]; then
  update-desktop-database -q "$data/applications" || true
fi
echo "Workbench is no longer in your applications menu. Delete $here to remove it completely."
