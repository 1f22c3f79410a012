// Shared by the node peer scripts: arguments, package loading from the peers folder
// (outside the repository), and the cold/warm timing loop. Prints one JSON object.
//
//   node <peer>.mjs --spec SPEC.json --what STAGE --repeat N --peers DIR [--save DIR]
//
// Timing: the first pass over all slides in this (fresh) process is "cold" and includes
// font parsing/registration; then one untimed warm-up pass; then N timed passes ("warm").
// Each pass renders every card once; times are the whole pass in ms (the driver divides
// by the number of slides).

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

export function parseArgs(argv = process.argv.slice(2)) {
  const args = { repeat: 20, what: null, spec: null, peers: "/tmp/bench-peers", save: null };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in args)) throw new Error(`unknown argument ${argv[i]}`);
    args[key] = key === "repeat" ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!args.spec || !args.what) throw new Error("need --spec and --what");
  args.spec = JSON.parse(readFileSync(args.spec, "utf8"));
  return args;
}

// A `require` that resolves packages from <peers>/node/node_modules.
export function peerRequire(peersDir) {
  return createRequire(join(peersDir, "node", "package.json"));
}

export function packageVersion(peersDir, name) {
  const file = join(peersDir, "node", "node_modules", name, "package.json");
  return JSON.parse(readFileSync(file, "utf8")).version;
}

// The spec's fonts ({name, weight, style, path}) with their bytes read into `data`.
export function readFonts(spec) {
  return spec.fonts.map((font) => ({ ...font, data: readFileSync(font.path) }));
}

// Run `setup` (font loading) and the first pass together as "cold", then warm up and time
// `repeat` passes. `pass(state, number)` renders all cards and returns {bytes} (total encoded
// size or 0); `number` is different on every pass (0, 1, 2, …), for `vary`.
export async function measure({ setup, pass, repeat }) {
  let passes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const state = await setup();
  const first = await pass(state, passes++);
  const cold = performance.now() - t0;
  const coldCpu = cpuMs(process.cpuUsage(cpu0));
  const warm = [];
  const cpu = [];
  if (repeat > 0) {
    await pass(state, passes++); // warm-up
    for (let i = 0; i < repeat; i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      await pass(state, passes++);
      warm.push(performance.now() - t);
      cpu.push(cpuMs(process.cpuUsage(c)));
    }
  }
  return { cold, cold_cpu: coldCpu, warm, cpu, bytes: first.bytes };
}

function cpuMs(usage) {
  return (usage.user + usage.system) / 1000;
}

// With --save DIR: write each card's PNG as DIR/<tool>-NN.png (to compare the output by eye).
export function savePngs(dir, tool, pngs) {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  pngs.forEach((png, i) => writeFileSync(join(dir, `${tool}-${String(i + 1).padStart(2, "0")}.png`), png));
}

export function report(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// Per-block style of the shared spec as CSS-like properties (used by satori and takumi).
export function blockStyle(block) {
  return {
    fontFamily: block.family,
    fontSize: block.size,
    fontWeight: block.weight,
    lineHeight: block.line_height,
    textAlign: block.align,
    marginBottom: block.space_after,
    paddingLeft: block.indent,
  };
}

// The block's text; with the spec's "vary" on, the pass number goes after its first word
// (the same rule in every tool, so no cache of a whole earlier result can answer).
export function blockText(block, number = null, vary = false) {
  const text = vary && number !== null ? block.text.replace(/^([^\p{L}\p{N}_]*[\p{L}\p{N}_]\S*)/u, `$1 ${number}`) : block.text;
  return block.marker ? `${block.marker}\u00a0${text}` : text;
}
