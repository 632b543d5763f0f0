#!/bin/sh
# Renders every icon the installers need from assets/icon.svg. The results are committed, so
# packaging needs none of these tools; run this again after changing the drawing.
#
#   apt-get install -y librsvg2-bin icoutils icnsutils    (rsvg-convert, icotool, png2icns)
#   sh scripts/make-icons.sh
#
# assets/icons/NxN.png   Linux (AppImage, deb, rpm: hicolor sizes), electron-builder's icon folder
# assets/icon.png        512 px: the window and tray icon, and the fallback for every target
# assets/icon.ico        Windows (NSIS, MSI, the .exe): 16, 24, 32, 48, 64, 128, 256
# assets/icon.icns       macOS (app, dmg): 16 to 1024
set -eu
cd "$(dirname "$0")/../assets"
mkdir -p icons
for s in 16 24 32 48 64 128 256 512 1024; do
  rsvg-convert -w "$s" -h "$s" icon.svg -o "icons/${s}x${s}.png"
done
cp icons/512x512.png icon.png
icotool -c -o icon.ico icons/16x16.png icons/24x24.png icons/32x32.png icons/48x48.png icons/64x64.png icons/128x128.png -r icons/256x256.png
png2icns icon.icns icons/16x16.png icons/32x32.png icons/48x48.png icons/128x128.png icons/256x256.png icons/512x512.png icons/1024x1024.png
ls -l icon.png icon.ico icon.icns icons
