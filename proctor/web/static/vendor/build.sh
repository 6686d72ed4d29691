#!/usr/bin/env bash
# Rebuild the vendored front-end assets from pinned npm versions. Run by hand when upgrading;
# the built files are committed, so running or testing Proctor never needs npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
HTMX=2.0.11
CODEMIRROR=6.0.2
LANG_PYTHON=6.2.1
VIEW=6.43.15
STATE=6.7.6
COMMANDS=6.11.1
ESBUILD=0.28.2
SWAGGER_UI=5.35.0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "htmx.org@$HTMX" "codemirror@$CODEMIRROR" \
  "@codemirror/lang-python@$LANG_PYTHON" "@codemirror/view@$VIEW" "@codemirror/state@$STATE" \
  "@codemirror/commands@$COMMANDS" "esbuild@$ESBUILD"
cp node_modules/htmx.org/dist/htmx.min.js "$here/htmx.min.js"
cp node_modules/htmx.org/LICENSE "$here/htmx.LICENSE"
cp "$here/editor.src.js" ./editor.src.js
npx esbuild editor.src.js --bundle --minify --format=iife --target=es2020 --legal-comments=none \
  --outfile="$here/editor.min.js"
# The Content-Security-Policy (style-src 'self') blocks the <style> element that style-mod adds to a document;
# a constructed stylesheet (document.adoptedStyleSheets), which it already uses in shadow roots, is allowed.
sed -i 's/if(!\([a-zA-Z]\)\.head&&\1\.adoptedStyleSheets&&/if(\1.adoptedStyleSheets\&\&/' "$here/editor.min.js"
grep -q 'if([a-zA-Z]\.adoptedStyleSheets&&' "$here/editor.min.js" || { echo "style-mod patch did not apply" >&2; exit 1; }
cp node_modules/codemirror/LICENSE "$here/codemirror.LICENSE"
# /docs: Swagger UI's prebuilt bundle, unpacked from the package itself (npm pack runs none of its scripts).
# The source-map comments go: the maps are not vendored, and a browser's devtools would ask for them.
npm pack --silent "swagger-ui-dist@$SWAGGER_UI" >/dev/null
tar xzf "swagger-ui-dist-$SWAGGER_UI.tgz"
sed '/^\/\/# sourceMappingURL=/d' package/swagger-ui-bundle.js > "$here/swagger-ui-bundle.js"
sed '/^\/\*# sourceMappingURL=.*\*\/$/d' package/swagger-ui.css > "$here/swagger-ui.css"
cp package/favicon-32x32.png "$here/swagger-ui-favicon.png"
cp package/LICENSE "$here/swagger-ui.LICENSE"
cp package/NOTICE "$here/swagger-ui.NOTICE"
cp package/swagger-ui-bundle.js.LICENSE.txt "$here/swagger-ui-bundle.LICENSE.txt"
cat > "$here/VERSIONS" <<TXT
htmx.org $HTMX (MIT, htmx.LICENSE)
codemirror $CODEMIRROR, @codemirror/lang-python $LANG_PYTHON, @codemirror/view $VIEW,
@codemirror/state $STATE, @codemirror/commands $COMMANDS (MIT, codemirror.LICENSE), bundled with esbuild $ESBUILD
style-mod patched to use constructed stylesheets, not a <style> element (the CSP; see build.sh)
swagger-ui-dist $SWAGGER_UI (Apache-2.0, swagger-ui.LICENSE, swagger-ui.NOTICE; bundled: swagger-ui-bundle.LICENSE.txt)
TXT
echo "built into $here"
