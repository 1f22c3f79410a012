// The folder's index: its stories, kept current by an EventSource as files come and go.
"use strict";

const $ = (id) => document.getElementById(id);
const config = JSON.parse(document.body.dataset.config);
let stories = [];

function storyLink(story) {
  return "/story/" + story.story.split("/").map(encodeURIComponent).join("/");
}

function render() {
  const words = $("filter").value.trim().toLowerCase();
  const shown = stories.filter((s) => !words || `${s.title} ${s.story}`.toLowerCase().includes(words));
  $("empty").hidden = stories.length > 0;
  $("stories").replaceChildren(...shown.map(storyItem));
}

function storyItem(story) {
  const item = document.createElement("li");
  item.className = story.error ? "story broken" : "story";
  const link = document.createElement("a");
  link.href = storyLink(story);
  const title = document.createElement("span");
  title.className = "story-title";
  title.textContent = story.title;
  const meta = document.createElement("span");
  meta.className = "story-meta";
  const parts = [story.story];
  if (!story.error) parts.push(`${story.cards} card${story.cards === 1 ? "" : "s"}`);
  if (story.series) parts.push(story.series);
  if (story.date) parts.push(story.date.slice(0, 10));
  meta.textContent = parts.join(" · ");
  link.append(title, meta);
  if (story.draft) link.append(badge("draft", "Draft"));
  if (story.error) {
    link.append(badge("bad", "Error"));
    const error = document.createElement("span");
    error.className = "story-error";
    error.textContent = story.error;
    link.append(error);
  }
  item.append(link);
  return item;
}

function badge(kind, text) {
  const span = document.createElement("span");
  span.className = `badge ${kind}`;
  span.textContent = text;
  return span;
}

function setStatus(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
}

const source = new EventSource("/events/index");
source.onmessage = (event) => {
  const data = JSON.parse(event.data);
  stories = data.stories;
  $("meta").textContent = `${config.root}/ · ${stories.length} stor${stories.length === 1 ? "y" : "ies"}`;
  setStatus("live", "Live");
  render();
};
source.onerror = () => setStatus("offline", "Reconnecting…");
$("filter").addEventListener("input", render);
