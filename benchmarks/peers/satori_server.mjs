// The peer of `cardimg serve` for benchmarks/serve.py: @vercel/og's usual stack (Satori
// lays out to SVG, resvg rasterises and encodes PNG) behind Node's own `http` module.
//
//   node satori_server.mjs --port 0 --peers /tmp/bench-peers --fonts fonts/ [--workers N]
//
//   POST /cover   body JSON {"title": "...", "series": "..."} → a 1200×630 PNG
//   GET  /healthz {"status": "ok"}
//
// Prints "satori server: listening on http://127.0.0.1:PORT/" when it answers. With
// --workers N > 1, node:cluster runs N processes on the one port (Node is one thread per
// process, so this is how it uses more than one core, as cardimg's --workers does).

import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";

import { packageVersion, peerRequire } from "./common.mjs";

const WIDTH = 1200;
const HEIGHT = 630;
const MAX_BODY = 2 * 1024 * 1024; // the same body limit as cardimg serve

function parseArgs(argv) {
  const args = { port: "0", peers: "/tmp/bench-peers", fonts: null, workers: "1" };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in args)) throw new Error(`unknown argument ${argv[i]}`);
    args[key] = argv[i + 1];
  }
  if (!args.fonts) throw new Error("need --fonts DIR (the repository's fonts/)");
  return { ...args, port: Number(args.port), workers: Math.max(1, Number(args.workers)) };
}

const args = parseArgs(process.argv.slice(2));

if (cluster.isPrimary && args.workers > 1) {
  // In a cluster every worker listening on port 0 gets the same port: the primary hands
  // the connections round-robin and prints the address once the first worker listens.
  for (let i = 0; i < args.workers; i++) cluster.fork();
  let shown = false;
  cluster.on("listening", (_worker, address) => {
    if (shown) return;
    shown = true;
    announce(address.port);
  });
  cluster.on("exit", (_worker, code) => {
    process.stderr.write(`satori server: a worker exited (${code})\n`);
  });
} else {
  serve();
}

function announce(port) {
  const versions = {
    satori: packageVersion(args.peers, "satori"),
    "@resvg/resvg-js": packageVersion(args.peers, "@resvg/resvg-js"),
    node: process.versions.node,
  };
  process.stdout.write(`satori server: listening on http://127.0.0.1:${port}/ ${JSON.stringify(versions)}\n`);
}

function serve() {
  const require = peerRequire(args.peers);
  const satori = require("satori").default;
  const { Resvg } = require("@resvg/resvg-js");
  // Read once: Satori caches what it parsed by the identity of this array.
  const fonts = [
    ["Quattrocento", 400, "quattrocento/Quattrocento-Regular.otf"],
    ["Inter", 400, "inter/Inter-Regular.otf"],
    ["Inter", 700, "inter/Inter-Bold.otf"],
  ].map(([name, weight, file]) => ({ name, weight, style: "normal", data: readFileSync(join(args.fonts, file)) }));
  // Text is outlined in the SVG, so resvg needs no fonts of its own.
  const resvgOptions = { fitTo: { mode: "original" }, font: { loadSystemFonts: false } };

  const server = http.createServer((request, response) => {
    if (request.method === "GET" && request.url === "/healthz") {
      return send(response, 200, "application/json", '{"status": "ok"}\n');
    }
    if (request.method !== "POST" || request.url !== "/cover") {
      return send(response, 404, "application/json", '{"error": "not found"}\n');
    }
    readBody(request, (error, body) => {
      if (error) return send(response, 413, "application/json", '{"error": "too large"}\n');
      render(body).then(
        (png) => send(response, 200, "image/png", png),
        (failure) => send(response, 400, "application/json", JSON.stringify({ error: String(failure) })),
      );
    });
  });

  async function render(body) {
    const { title, series = "" } = JSON.parse(body.toString("utf8"));
    if (typeof title !== "string" || !title.trim()) throw new Error("no title");
    const svg = await satori(cover(title, series), { width: WIDTH, height: HEIGHT, fonts });
    return new Resvg(svg, resvgOptions).render().asPng();
  }

  server.keepAliveTimeout = 5000; // as cardimg serve's uvicorn (timeout_keep_alive=5)
  server.listen(args.port, "127.0.0.1", () => {
    if (cluster.isPrimary) announce(server.address().port);
  });
}

// A cover like cardimg's og preset: the series label on a thin frame, the title large and
// centred in Quattrocento, white on the default theme's slate.
function cover(title, series) {
  const text = (style, children) => ({ type: "div", props: { style, children } });
  return text(
    {
      boxSizing: "border-box", width: WIDTH, height: HEIGHT, display: "flex", padding: 52,
      backgroundColor: "#5f747a", color: "#ffffff",
    },
    [
      text(
        {
          boxSizing: "border-box", display: "flex", flexDirection: "column", alignItems: "center",
          justifyContent: "center", width: "100%", height: "100%", border: "2px solid #f3ddd6",
          padding: 48, position: "relative",
        },
        [
          text(
            {
              position: "absolute", top: -16, padding: "0 24px", backgroundColor: "#5f747a",
              fontFamily: "Inter", fontWeight: 700, fontSize: 24, letterSpacing: 3,
            },
            series.toUpperCase(),
          ),
          text({ fontFamily: "Quattrocento", fontSize: 88, lineHeight: 1.15, textAlign: "center" }, title),
        ],
      ),
    ],
  );
}

function readBody(request, done) {
  const chunks = [];
  let size = 0;
  request.on("data", (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      request.destroy();
      return;
    }
    chunks.push(chunk);
  });
  request.on("end", () => done(null, Buffer.concat(chunks)));
  request.on("error", (error) => done(error));
}

function send(response, status, type, body) {
  response.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}
