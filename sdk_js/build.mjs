// Build the loader snippet and the tracker into dist/, print their sizes, enforce the budgets.
//   node build.mjs           write dist/snippet.min.js and dist/gapwise.min.js
//   node build.mjs --check   build in memory; fail if dist/ is stale or a budget is exceeded
import { build, transform } from "esbuild";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = dirname(fileURLToPath(import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const TARGET = "es2019";

// DESIGN.md "Quality bars": the snippet is pasted into pages, the tracker is downloaded on each.
const BUDGETS = {
  "dist/snippet.min.js": { raw: 600 },
  "dist/gapwise.min.js": { gzip: 4096 },
};

async function snippet() {
  const source = await readFile(join(root, "src/snippet.js"), "utf8");
  const { code } = await transform(source, { minify: true, target: "es5", legalComments: "none" });
  return code;
}

async function tracker() {
  const result = await build({
    entryPoints: [join(root, "src/index.js")],
    bundle: true,
    minify: true,
    format: "iife",
    target: TARGET,
    platform: "browser",
    define: { __VERSION__: JSON.stringify(version) },
    legalComments: "none",
    charset: "utf8",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

const sizes = (code) => ({ raw: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length });

async function main() {
  const check = process.argv.includes("--check");
  const files = { "dist/snippet.min.js": await snippet(), "dist/gapwise.min.js": await tracker() };
  let failed = false;

  for (const [name, code] of Object.entries(files)) {
    const size = sizes(code);
    const over = Object.entries(BUDGETS[name]).filter(([kind, limit]) => size[kind] > limit);
    const budget = Object.entries(BUDGETS[name]).map(([kind, limit]) => `${kind} budget ${limit} B`).join(", ");
    console.log(`${name.padEnd(20)} ${String(size.raw).padStart(5)} B raw  ${String(size.gzip).padStart(5)} B gzip -9  (${budget})`);
    for (const [kind, limit] of over) {
      console.error(`  OVER BUDGET: ${kind} size ${size[kind]} B > ${limit} B`);
      failed = true;
    }

    const path = join(root, name);
    if (check) {
      const committed = await readFile(path, "utf8").catch(() => null);
      if (committed !== code) {
        console.error(`  STALE: ${name} differs from a fresh build; run \`npm run build\` in sdk_js/ and commit dist/`);
        failed = true;
      }
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, code);
    }
  }
  if (failed) process.exit(1);
  if (check) console.log("dist/ is up to date");
}

main().catch((error) => {
  console.error(error.message || error);
  process.exit(1);
});
