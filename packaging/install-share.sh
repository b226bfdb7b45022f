#!/bin/sh
# Put the desktop integration beside a built app: share/applications (.desktop),
# share/metainfo (AppStream) and share/icons (the SVG icon), as a Linux package lays them out.
set -eu
app="$1"
here="$(cd "$(dirname "$0")/.." && pwd)"
id=io.github.gdsim.Gdsim
mkdir -p "$app/share/applications" "$app/share/metainfo" "$app/share/icons/hicolor/scalable/apps"
cp "$here/assets/$id.desktop" "$app/share/applications/"
cp "$here/assets/$id.metainfo.xml" "$app/share/metainfo/"
cp "$here/gdsim/assets/gdsim.svg" "$app/share/icons/hicolor/scalable/apps/$id.svg"
echo "desktop files in $app/share"
