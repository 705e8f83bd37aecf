// Build the survey widgets into dist/widgets.min.js, print its size, enforce the budget.
//   node build.mjs           write dist/widgets.min.js
//   node build.mjs --check   build in memory; fail if dist/ is stale or the budget is exceeded
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = dirname(fileURLToPath(import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const NAME = "dist/widgets.min.js";
const BUDGET = 8192; // DESIGN.md "Quality bars": widgets ≤ 8 KB gzipped, loaded only when a survey is due

async function widgets() {
  const result = await build({
    entryPoints: [join(root, "src/index.js")],
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2019",
    platform: "browser",
    define: { __VERSION__: JSON.stringify(version) },
    legalComments: "none",
    charset: "ascii", // "×" as \xD7: right whatever charset the host page or server declares
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

async function main() {
  const check = process.argv.includes("--check");
  const code = await widgets();
  const raw = Buffer.byteLength(code);
  const gzip = gzipSync(code, { level: 9 }).length;
  console.log(`${NAME.padEnd(20)} ${String(raw).padStart(5)} B raw  ${String(gzip).padStart(5)} B gzip -9  (gzip budget ${BUDGET} B)`);
  let failed = false;
  if (gzip > BUDGET) {
    console.error(`  OVER BUDGET: gzip size ${gzip} B > ${BUDGET} B`);
    failed = true;
  }

  const path = join(root, NAME);
  if (check) {
    const committed = await readFile(path, "utf8").catch(() => null);
    if (committed !== code) {
      console.error(`  STALE: ${NAME} differs from a fresh build; run \`npm run build\` in widgets/ and commit dist/`);
      failed = true;
    }
  } else {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, code);
  }
  if (failed) process.exit(1);
  if (check) console.log("dist/ is up to date");
}

main().catch((error) => {
  console.error(error.message || error);
  process.exit(1);
});
