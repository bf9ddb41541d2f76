#!/usr/bin/env bash
# Copy the pinned front-end libraries from node_modules into static/vendor (served locally, no CDN).
set -euo pipefail
dest=static/vendor
rm -rf "$dest"
mkdir -p "$dest/bootstrap/css" "$dest/bootstrap/js" "$dest/htmx" "$dest/echarts"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$dest/bootstrap/css/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$dest/bootstrap/js/"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts/"
