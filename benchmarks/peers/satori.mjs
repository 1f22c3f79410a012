// Satori (element tree -> SVG, text as glyph paths) + @resvg/resvg-js (SVG -> pixels -> PNG).
//
// --what svg     satori only: layout, line breaking, glyph outlines into an SVG string
// --what raster  + resvg parse and rasterise to an RGBA pixmap (no encoding)
// --what png     + PNG encoding (resvg's asPng)

import {
  blockStyle, blockText, measure, packageVersion, parseArgs, peerRequire, readFonts, report, savePngs,
} from "./common.mjs";

const args = parseArgs();
const { spec, what, peers } = args;
const require = peerRequire(peers);
const satori = require("satori").default;
const { Resvg } = require("@resvg/resvg-js");

// The markup of a card: a flex column, centred, one div per block (built on every pass,
// as the text differs on every pass when the spec says "vary").
function element(card, number = null) {
  return {
    type: "div",
    props: {
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
        type: "div",
        props: { style: blockStyle(block), children: blockText(block, number, spec.vary) },
      })),
    },
  };
}

const elements = spec.cards.map((card) => element(card));
// Text is already outlined in the SVG, so resvg needs no fonts of its own.
const resvgOptions = { fitTo: { mode: "original" }, font: { loadSystemFonts: false } };

const result = await measure({
  repeat: args.repeat,
  setup: () => {
    // The same array object on every call: satori parses the fonts once and caches them.
    const fonts = readFonts(spec).map(({ name, weight, style, data }) => ({ name, weight, style, data }));
    return { fonts };
  },
  pass: async ({ fonts }, number) => {
    let bytes = 0;
    for (const el of spec.cards.map((card) => element(card, number))) {
      const svg = await satori(el, { width: spec.width, height: spec.height, fonts });
      if (what === "svg") { bytes += svg.length; continue; }
      const pixels = new Resvg(svg, resvgOptions).render();
      if (what === "raster") { bytes += pixels.width * pixels.height * 4; continue; }
      bytes += pixels.asPng().length;
    }
    return { bytes };
  },
});

if (args.save) {
  const fonts = readFonts(spec);
  const pngs = [];
  for (const el of elements) {
    const svg = await satori(el, { width: spec.width, height: spec.height, fonts });
    pngs.push(new Resvg(svg, resvgOptions).render().asPng());
  }
  savePngs(args.save, "satori", pngs);
}

report({
  tool: "satori",
  what,
  slides: elements.length,
  versions: {
    satori: packageVersion(peers, "satori"),
    "@resvg/resvg-js": packageVersion(peers, "@resvg/resvg-js"),
    node: process.versions.node,
  },
  ...result,
});
