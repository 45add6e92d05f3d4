// Copies the browser bundles the mdkg pages load into api/mdkg/web/static/vendor/, so that the
// service serves them itself: no CDN, no network at run time. Run by `npm run vendor` after `npm ci`
// (the Makefile's install step). The copies are build output, not committed.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const target = join(here, "..", "api", "mdkg", "web", "static", "vendor");

// [package, file inside the package, name under vendor/]
const bundles = [
  ["@zazuko/yasgui", "build/yasgui.min.js", "yasgui.min.js"],
  ["@zazuko/yasgui", "build/yasgui.min.css", "yasgui.min.css"],
  ["chart.js", "dist/chart.umd.min.js", "chart.umd.min.js"],
  ["cytoscape", "dist/cytoscape.min.js", "cytoscape.min.js"],
];
const licenceFiles = ["LICENSE", "LICENSE.md", "LICENSE.txt"];

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });

const notices = [];
const seen = new Set();
for (const [pkg, file, name] of bundles) {
  const source = join(modules, pkg, file);
  if (!existsSync(source)) {
    console.error(`vendor: ${pkg}/${file} is missing; run \`npm ci\` in web/ first`);
    process.exit(1);
  }
  // The source-map comment would send a browser's developer tools after a file that is not copied.
  const text = readFileSync(source, "utf8").replace(/\n?\/[*/]# sourceMappingURL=\S+( \*\/)?\s*$/, "\n");
  writeFileSync(join(target, name), text);
  if (seen.has(pkg)) continue;
  seen.add(pkg);
  const manifest = JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8"));
  notices.push(`${pkg} ${manifest.version} (${manifest.license})`);
  const licence = licenceFiles.map((f) => join(modules, pkg, f)).find((p) => existsSync(p));
  if (licence) copyFileSync(licence, join(target, `LICENSE.${pkg.replace("/", "__").replace("@", "")}.txt`));
}
const versions = Object.fromEntries(
  [...seen].map((pkg) => [pkg, JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8")).version]));
writeFileSync(join(target, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
writeFileSync(join(target, "NOTICE.txt"),
  "Third-party browser libraries served by mdkg, copied from the npm packages of web/package-lock.json:\n"
  + notices.map((n) => `- ${n}`).join("\n") + "\n");
console.log(`vendor: ${bundles.length} files from ${seen.size} packages into ${target}`);
