// What `npm publish` would upload, checked: reads `npm pack --dry-run --json` on stdin (make js-test pipes it)
// and fails unless the package holds exactly the ES module, its types, README, LICENSE and package.json,
// every path package.json points at is among them, and LICENSE is the repository's. Prints the packed size.
import { readFileSync } from "node:fs";

const EXPECTED = ["LICENSE", "README.md", "esm/gapwise.mjs", "package.json", "types/index.d.ts"];

const [pack] = JSON.parse(readFileSync(0, "utf8"));
const pkg = JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8"));
const listed = pack.files.map((file) => file.path).sort();
const problems = [];

const extra = listed.filter((path) => !EXPECTED.includes(path));
const missing = EXPECTED.filter((path) => !listed.includes(path));
if (extra.length) problems.push(`unexpected files: ${extra.join(", ")} (package.json "files" lists what goes in)`);
if (missing.length) problems.push(`missing files: ${missing.join(", ")}`);

// Every target of "exports", "module" and "types" must be shipped.
const targets = (value) => (typeof value == "string" ? [value] : Object.values(value).flatMap(targets));
for (const target of new Set(targets([pkg.exports, pkg.module, pkg.types]))) {
  if (!listed.includes(target.replace(/^\.\//, ""))) problems.push(`package.json points at ${target}, which is not packed`);
}
const license = (path) => readFileSync(new URL(path, import.meta.url), "utf8");
if (license("LICENSE") != license("../LICENSE")) problems.push("LICENSE differs from the repository's: copy ../LICENSE");

const kb = (bytes) => bytes.toLocaleString("en-US");
console.log(
  `npm package ${pack.id}: ${listed.length} files, ${kb(pack.size)} B packed, ${kb(pack.unpackedSize)} B unpacked`,
);
for (const file of pack.files) console.log(`  ${file.path.padEnd(18)} ${kb(file.size).padStart(7)} B`);
for (const problem of problems) console.error(`  PACK: ${problem}`);
if (problems.length) process.exit(1);
