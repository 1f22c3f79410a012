// The story page: one EventSource brings the story's state (slides, warnings, alt text, or
// an error) now and after every save; slides are <img> elements named by their content,
// so a slide whose pixels did not change keeps its element and is not fetched again.
"use strict";

const config = JSON.parse(document.body.dataset.config);
const $ = (id) => document.getElementById(id);
const slidesList = $("slides");
let source = null;
let slides = [];
let viewerIndex = 0;

function storyEvents() {
  const params = new URLSearchParams(location.search);
  const path = config.story.split("/").map(encodeURIComponent).join("/");
  return `/events/story/${path}?${params}`;
}

function connect() {
  if (source) source.close();
  setStatus("connecting", "Connecting…");
  source = new EventSource(storyEvents());
  source.onmessage = (event) => show(JSON.parse(event.data));
  // EventSource reconnects by itself (a restarted server, a laptop waking up).
  source.onerror = () => setStatus("offline", "Reconnecting…");
}

function setStatus(state, text) {
  const status = $("status");
  status.dataset.state = state;
  status.textContent = text;
}

function show(state) {
  fillSelect($("preset"), state.presets, state.preset);
  fillSelect($("theme"), state.themes, state.theme);
  if (state.error) showError(state.error);
  else if (state.slides) showSlides(state);
  if (state.rendering) setStatus("rendering", "Rendering…");
  else if (state.slides || state.error) {
    const time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
    setStatus(state.error ? "error" : "live", `Live · updated ${time}`);
  }
}

function fillSelect(select, names, chosen) {
  if (!names) return;
  const current = [...select.options].map((o) => o.value).join("\n");
  if (current !== names.join("\n")) {
    select.replaceChildren(...names.map((name) => new Option(name, name)));
  }
  select.value = chosen;
}

function showError(error) {
  $("error").hidden = false;
  slidesList.hidden = true;
  $("story-notes").hidden = true;
  document.body.classList.add("has-error");
  const line = error.line && (error.column ? `line ${error.line}, column ${error.column}` : `line ${error.line}`);
  const where = [error.file, error.field, line].filter(Boolean);
  $("error-where").textContent = where.join(" · ");
  $("error-message").textContent = (error.internal ? "Internal error (a bug in cardimg): " : "") + error.message;
  const context = $("error-context");
  context.hidden = !error.context || !error.context.length;
  context.replaceChildren(...(error.context || []).map(([number, text]) => {
    const row = document.createElement("span");
    row.className = number === error.line ? "line bad" : "line";
    row.dataset.number = number;
    row.textContent = text + "\n";
    return row;
  }));
  if (!slides.length) $("title").textContent = config.story;
  $("meta").textContent = config.story;
}

function showSlides(state) {
  $("error").hidden = true;
  slidesList.hidden = false;
  document.body.classList.remove("has-error");
  $("title").textContent = state.title;
  document.title = `${state.title} · cardimg preview`;
  const [width, height] = state.size;
  $("meta").textContent =
    `${config.story} · ${state.slides.length} slide${state.slides.length === 1 ? "" : "s"} · ` +
    `${state.preset} ${width}×${height} · palette ${state.palette}`;
  const notes = state.warnings || [];
  $("story-notes").hidden = !notes.length;
  $("story-warnings").replaceChildren(...notes.map(warningItem));
  slides = state.slides;
  const items = [...slidesList.children];
  slides.forEach((slide, position) => {
    const item = items[position] || slidesList.appendChild(newSlideItem());
    updateSlideItem(item, slide, position);
  });
  items.slice(slides.length).forEach((item) => item.remove());
  if ($("viewer").open) openViewer(Math.min(viewerIndex, slides.length - 1));
}

function warningItem(text) {
  const item = document.createElement("li");
  item.textContent = text;
  return item;
}

function newSlideItem() {
  const template = document.createElement("template");
  template.innerHTML = `
    <li class="slide">
      <figure>
        <button type="button" class="thumb"><img decoding="async"></button>
        <figcaption><span class="label">Alt text</span><span class="alt"></span></figcaption>
      </figure>
      <div class="side">
        <h2><span class="number"></span> <span class="kind"></span></h2>
        <p class="contrast"></p>
        <ul class="warnings"></ul>
      </div>
    </li>`;
  const item = template.content.firstElementChild;
  item.querySelector(".thumb").addEventListener("click", () => openViewer(Number(item.dataset.position)));
  return item;
}

function updateSlideItem(item, slide, position) {
  item.dataset.position = position;
  const img = item.querySelector("img");
  if (item.dataset.image !== slide.image) {
    const fresh = item.dataset.image !== undefined;
    item.dataset.image = slide.image;
    img.width = slide.width;
    img.height = slide.height;
    img.src = `/slide/${slide.image}.png`;
    if (fresh) flash(item);
  }
  img.alt = slide.alt;
  item.querySelector(".thumb").setAttribute("aria-label", `Slide ${slide.index} at full size`);
  item.querySelector(".number").textContent = String(slide.index).padStart(2, "0");
  item.querySelector(".kind").textContent = describe(slide);
  item.querySelector(".kind").title = slide.card_key ? `_key: ${slide.card_key}` : "";
  item.querySelector(".alt").textContent = slide.alt;
  item.querySelector(".contrast").textContent = contrastText(slide);
  const warnings = slide.warnings || [];
  item.classList.toggle("warned", warnings.length > 0);
  item.querySelector(".warnings").replaceChildren(
    ...(warnings.length ? warnings.map(warningItem) : [okItem()])
  );
}

function contrastText(slide) {
  if (!slide.contrast) return "";
  const needed = slide.contrast_required;
  if (!needed) return `Text contrast ${slide.contrast}:1`;
  const verdict = slide.contrast >= needed ? "passes" : "fails";
  return `Text contrast ${slide.contrast}:1 · ${verdict} WCAG AA (${needed}:1)`;
}

function okItem() {
  const item = document.createElement("li");
  item.className = "ok";
  item.textContent = "No warnings";
  return item;
}

function describe(slide) {
  const kind = slide.card ? `card ${slide.card}` : slide.kind;
  return slide.parts > 1 ? `${kind} · part ${slide.part} of ${slide.parts}` : kind;
}

function flash(item) {
  item.classList.remove("changed");
  void item.offsetWidth; // restart the animation
  item.classList.add("changed");
}

// ------------------------------------------------------------------ full size viewer

function openViewer(index) {
  const slide = slides[index];
  if (!slide) return;
  viewerIndex = index;
  const image = $("viewer-image");
  image.src = `/slide/${slide.image}.png`;
  image.width = slide.width;
  image.height = slide.height;
  image.alt = slide.alt;
  $("viewer-title").textContent =
    `Slide ${slide.index} of ${slides.length} · ${describe(slide)} · ${slide.width}×${slide.height}`;
  if (!$("viewer").open) $("viewer").showModal();
}

function toggleZoom() {
  const body = $("viewer-body");
  body.classList.toggle("actual");
  $("viewer-zoom").textContent = body.classList.contains("actual") ? "Fit window" : "Actual size";
}

$("viewer-close").addEventListener("click", () => $("viewer").close());
$("viewer-prev").addEventListener("click", () => openViewer(Math.max(0, viewerIndex - 1)));
$("viewer-next").addEventListener("click", () => openViewer(Math.min(slides.length - 1, viewerIndex + 1)));
$("viewer-zoom").addEventListener("click", toggleZoom);
$("viewer-body").addEventListener("click", (event) => {
  if (event.target === $("viewer-body")) $("viewer").close();
});
$("viewer").addEventListener("keydown", (event) => {
  if (event.key === "ArrowLeft") openViewer(Math.max(0, viewerIndex - 1));
  else if (event.key === "ArrowRight") openViewer(Math.min(slides.length - 1, viewerIndex + 1));
  else if (event.key === "z" || event.key === "Z") toggleZoom();
});

// ------------------------------------------------------------------ switchers

$("controls").addEventListener("change", () => {
  const params = new URLSearchParams(location.search);
  params.set("preset", $("preset").value);
  params.set("theme", $("theme").value);
  history.replaceState(null, "", `${location.pathname}?${params}`);
  connect();
});
$("controls").addEventListener("submit", (event) => event.preventDefault());

$("back").hidden = !config.index;
connect();
