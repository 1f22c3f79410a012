// takumi (@takumi-rs/core: Rust renderer, native Node binding). Fonts are registered once
// on one Renderer; each call lays out and renders one card.
//
// --what layout  renderer.measure(): layout, shaping, line breaking (no pixels)
// --what raster  renderer.render(format "raw"): + rasterise to RGBA (no encoding)
// --what png     renderer.render(format "png"): + PNG encoding

import {
  blockStyle, blockText, measure, packageVersion, parseArgs, peerRequire, readFonts, report, savePngs,
} from "./common.mjs";

const args = parseArgs();
const { spec, what, peers } = args;
const require = peerRequire(peers);
const { Renderer } = require("@takumi-rs/core");

// The markup of a card: a flex column, centred, one text node per block (built on every
// pass, as the text differs on every pass when the spec says "vary").
function node(card, number = null) {
  return {
    type: "container",
    style: {
      boxSizing: "border-box",
      width: spec.width,
      height: spec.height,
      display: "flex",
      flexDirection: "column",
      justifyContent: "center",
      alignItems: "stretch",
      padding: spec.padding,
      backgroundColor: spec.background,
      color: spec.color,
    },
    children: card.blocks.map((block) => ({
      type: "text",
      text: blockText(block, number, spec.vary),
      style: blockStyle(block),
    })),
  };
}

const nodes = spec.cards.map((card) => node(card));
const size = { width: spec.width, height: spec.height };

async function newRenderer() {
  const renderer = new Renderer();
  for (const { name, weight, style, data } of readFonts(spec)) {
    await renderer.registerFont({ name, weight, style, data });
  }
  return renderer;
}

const result = await measure({
  repeat: args.repeat,
  setup: async () => ({ renderer: await newRenderer() }),
  pass: async ({ renderer }, number) => {
    let bytes = 0;
    for (const n of spec.cards.map((card) => node(card, number))) {
      if (what === "layout") {
        await renderer.measure(n, size);
      } else {
        const out = await renderer.render(n, { ...size, format: what === "png" ? "png" : "raw" });
        bytes += out.length;
      }
    }
    return { bytes };
  },
});

if (args.save) {
  const renderer = await newRenderer();
  const pngs = [];
  for (const n of nodes) pngs.push(await renderer.render(n, { ...size, format: "png" }));
  savePngs(args.save, "takumi", pngs);
}

report({
  tool: "takumi",
  what,
  slides: nodes.length,
  versions: { "@takumi-rs/core": packageVersion(peers, "@takumi-rs/core"), node: process.versions.node },
  ...result,
});
