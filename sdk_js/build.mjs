// The one build for both browser packages: writes a package's dist/, prints the sizes, enforces the budgets.
//   node build.mjs <sdk_js|widgets>           write the package's dist/ files
//   node build.mjs <sdk_js|widgets> --check   build in memory; fail if dist/ is stale or a budget is exceeded
// Each package's npm scripts name it (widgets/ runs ../sdk_js/build.mjs); without a name, the current folder's.
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

// Output file -> entry, budget (bytes, by kind) and the esbuild options that differ between bundles.
// DESIGN.md "Quality bars": the snippet is pasted into pages, the tracker is downloaded on each,
// the widgets are loaded only when a survey is due.
const PACKAGES = {
  sdk_js: {
    // One file kept as written (no bundle, no wrapper), ES5 so it is never a syntax error on a host page.
    "dist/snippet.min.js": { entry: "src/snippet.js", budget: { raw: 600 }, esbuild: { target: "es5" } },
    "dist/gapwise.min.js": {
      entry: "src/index.js",
      budget: { gzip: 4096 },
      esbuild: { bundle: true, format: "iife", target: "es2019", charset: "utf8" },
    },
    // The npm module (package.json "exports"): the same tracker as an ES module whose init() returns the API;
    // `esm` keeps index.js from reading globals at import and from touching window.gapwise. package.json's
    // `sideEffects: false` speaks of this built file; module.js imports index.js for its effect, so esbuild
    // is told to ignore it (ignoreAnnotations) here.
    "esm/gapwise.mjs": {
      entry: "src/module.js",
      budget: { gzip: 4608 },
      esbuild: {
        bundle: true,
        format: "esm",
        target: "es2019",
        charset: "utf8",
        define: { esm: "true" },
        ignoreAnnotations: true,
      },
    },
  },
  widgets: {
    "dist/widgets.min.js": {
      entry: "src/index.js",
      budget: { gzip: 8192 },
      // "×" as \xD7: right whatever charset the host page or server declares.
      esbuild: { bundle: true, format: "iife", target: "es2019", charset: "ascii" },
    },
  },
};

const args = process.argv.slice(2);
const check = args.includes("--check");
const name = args.find((arg) => !arg.startsWith("--")) ?? basename(process.cwd());
const root = join(dirname(fileURLToPath(import.meta.url)), "..", name);

async function bundle(entry, { define, ...options }) {
  // esbuild comes from the package being built: each pins and installs its own with `npm ci`,
  // so widgets/ builds without sdk_js/node_modules.
  const { build } = createRequire(join(root, "package.json"))("esbuild");
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const result = await build({
    entryPoints: [join(root, entry)],
    minify: true,
    platform: "browser",
    // No-ops where a source does not use them; `esm` is true only in the npm module's build.
    define: { __VERSION__: JSON.stringify(version), esm: "false", ...define },
    legalComments: "none",
    write: false,
    logLevel: "silent",
    ...options,
  });
  return result.outputFiles[0].text;
}

const sizes = (code) => ({ raw: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length });

async function main() {
  if (!Object.hasOwn(PACKAGES, name)) {
    throw new Error(`usage: node build.mjs <${Object.keys(PACKAGES).join("|")}> [--check]`);
  }
  const files = {};
  for (const [out, { entry, esbuild }] of Object.entries(PACKAGES[name])) files[out] = await bundle(entry, esbuild);
  let failed = false;

  for (const [out, code] of Object.entries(files)) {
    const size = sizes(code);
    const limits = Object.entries(PACKAGES[name][out].budget);
    const budget = limits.map(([kind, limit]) => `${kind} budget ${limit} B`).join(", ");
    console.log(`${out.padEnd(20)} ${String(size.raw).padStart(5)} B raw  ${String(size.gzip).padStart(5)} B gzip -9  (${budget})`);
    for (const [kind, limit] of limits.filter(([kind, limit]) => size[kind] > limit)) {
      console.error(`  OVER BUDGET: ${kind} size ${size[kind]} B > ${limit} B`);
      failed = true;
    }

    const path = join(root, out);
    if (check) {
      const committed = await readFile(path, "utf8").catch(() => null);
      if (committed !== code) {
        console.error(`  STALE: ${out} differs from a fresh build; run \`npm run build\` in ${name}/ and commit the result`);
        failed = true;
      }
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, code);
    }
  }
  if (failed) process.exit(1);
  if (check) console.log("the built files are up to date");
}

main().catch((error) => {
  console.error(error.message || error);
  process.exit(1);
});
