// w2v explorer front end: plain JavaScript, no build step, no network beyond this server.
// Every text from the server is written with textContent (never innerHTML).
"use strict";

const COMPLETE_DELAY_MS = 120;   // wait for a pause in typing before asking for completions
const $ = (id) => document.getElementById(id);
let currentWord = null;          // the word whose neighbourhood the projection shows

async function api(path, params) {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`/api/${path}?${query}`);
  const body = await response.json();
  if (!response.ok) {
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    throw new Error(`${body.error}: ${detail}`);
  }
  return body;
}

function say(id, text, isError = false) {
  const element = $(id);
  element.textContent = text;
  element.classList.toggle("error", isError);
}

function wordLink(word) {
  const link = document.createElement("a");
  link.textContent = word;
  link.addEventListener("click", () => { $("search").value = word; search(); });
  return link;
}

function cell(row, content, className) {
  const td = row.insertCell();
  if (content instanceof Node) td.appendChild(content); else td.textContent = content;
  if (className) td.className = className;
}

async function loadInfo() {
  const info = await api("info", {});
  $("model-name").textContent = info.name;
  $("model-info").textContent = `${info.words.toLocaleString()} words, ${info.dim} dimensions`;
  for (const v of info.vectors) {
    const option = document.createElement("option");
    option.value = v.kind; option.textContent = v.label;
    $("vectors").appendChild(option);
  }
  $("topn").max = info.max_topn;
  $("points").max = info.max_points;
  if (!info.evaluation) $("evaluation-panel").hidden = true;
}

let completeTimer = null;
function onType() {
  clearTimeout(completeTimer);
  const prefix = $("search").value.trim();
  if (!prefix) return;
  completeTimer = setTimeout(async () => {
    try {
      const result = await api("complete", {prefix, limit: 10});
      const list = $("completions");
      list.replaceChildren(...result.words.map((w) => {
        const option = document.createElement("option"); option.value = w; return option;
      }));
    } catch (error) { /* suggestions are a convenience: stay quiet */ }
  }, COMPLETE_DELAY_MS);
}

async function search(event) {
  if (event) event.preventDefault();
  const word = $("search").value.trim();
  if (!word) return;
  const body = $("neighbours").tBodies[0];
  try {
    const result = await api("neighbours", {word, topn: $("topn").value,
                                            vectors: $("vectors").value});
    body.replaceChildren();
    result.neighbours.forEach((n, i) => {
      const row = body.insertRow();
      cell(row, String(i + 1)); cell(row, wordLink(n.word)); cell(row, n.score.toFixed(4), "score");
    });
    say("search-message", `nearest to “${result.word}” (${$("vectors").selectedOptions[0].textContent} vectors)`);
    currentWord = result.word;
    $("chosen-words").value = "";
    await project();
  } catch (error) {
    body.replaceChildren();
    say("search-message", error.message, true);
  }
}

async function solveAnalogy(event) {
  event.preventDefault();
  const params = {a: $("analogy-a").value, b: $("analogy-b").value, c: $("analogy-c").value,
                  method: $("analogy-method").value, topn: 5, vectors: $("vectors").value};
  const list = $("analogy-answers");
  try {
    const result = await api("analogy", params);
    list.replaceChildren(...result.answers.map((answer) => {
      const item = document.createElement("li");
      item.appendChild(wordLink(answer.word));
      item.appendChild(document.createTextNode(` ${answer.score.toFixed(4)}`));
      return item;
    }));
    say("analogy-message", `${result.a} is to ${result.b} as ${result.c} is to:`);
  } catch (error) {
    list.replaceChildren();
    say("analogy-message", error.message, true);
  }
}

const GROUP_COLOURS = {centre: "#d62728", neighbour: "#1f77b4", chosen: "#2ca02c"};

async function project(event) {
  if (event) event.preventDefault();
  const chosen = $("chosen-words").value.trim();
  const params = {method: $("method").value, dims: $("dims").value,
                  vectors: $("vectors").value};
  if (chosen) params.words = chosen;
  else if (currentWord) { params.word = currentWord; params.topn = Math.max(1, $("points").value - 1); }
  else return;
  const plot = $("projection");
  say("projection-message", `projecting with ${$("method").selectedOptions[0].textContent}…`);
  plot.dataset.state = "loading";
  try {
    const result = await api("projection", params);
    const three = result.dims === 3;
    const points = result.points;
    const trace = {
      type: three ? "scatter3d" : "scatter", mode: "markers+text",
      x: points.map((p) => p.coords[0]), y: points.map((p) => p.coords[1]),
      text: points.map((p) => p.word), textposition: "top center",
      hovertemplate: "%{text}<extra></extra>",
      marker: {size: three ? 4 : 8, color: points.map((p) => GROUP_COLOURS[p.group] || "#555")},
    };
    if (three) trace.z = points.map((p) => p.coords[2]);
    const layout = {margin: {l: 30, r: 10, t: 10, b: 30}, showlegend: false,
                    template: "plotly_white", hovermode: "closest"};
    await Plotly.react(plot, [trace], layout, {displaylogo: false, responsive: true});
    if (!plot.dataset.clickBound) {
      plot.on("plotly_click", (data) => {
        const word = data.points[0].text;
        $("search").value = word; search();
      });
      plot.dataset.clickBound = "1";
    }
    plot.dataset.state = "ready";
    plot.dataset.method = result.method;
    plot.dataset.dims = String(result.dims);
    plot.dataset.points = String(points.length);
    say("projection-message", `${points.length} words, ${$("method").selectedOptions[0].textContent} ${result.dims}-D: drag to ${three ? "rotate" : "pan"}, scroll to zoom, click a word to search it`);
  } catch (error) {
    plot.dataset.state = "error";
    say("projection-message", error.message, true);
  }
}

function percent(x) { return x === null ? "n/a" : `${(100 * x).toFixed(1)}%`; }

async function loadEvaluation() {
  say("evaluation-message", "evaluating…");
  const body = $("evaluation").tBodies[0];
  try {
    const report = await api("evaluation", {});
    body.replaceChildren();
    for (const a of report.analogy) {
      const row = body.insertRow();
      const total = a.total;
      cell(row, `${a.name} (analogies, ${a.method})`);
      cell(row, `accuracy ${percent(total.accuracy)}`, "score");
      cell(row, `${total.evaluated} of ${total.evaluated + total.oov} questions`);
    }
    for (const s of report.similarity) {
      const row = body.insertRow();
      cell(row, `${s.name} (word similarity)`);
      cell(row, `Spearman ${s.spearman === null ? "n/a" : s.spearman.toFixed(3)}`, "score");
      cell(row, `${s.pairs_found} of ${s.pairs_total} pairs`);
    }
    say("evaluation-message", `input vectors, restrict_vocab=${report.settings.restrict_vocab}`);
  } catch (error) {
    say("evaluation-message", error.message, true);
  }
}

$("search").addEventListener("input", onType);
$("search-form").addEventListener("submit", search);
$("analogy-form").addEventListener("submit", solveAnalogy);
$("projection-form").addEventListener("submit", project);
$("method").addEventListener("change", () => project());
$("dims").addEventListener("change", () => project());
$("vectors").addEventListener("change", () => { if (currentWord) search(); });
$("evaluation-button").addEventListener("click", loadEvaluation);
loadInfo().then(() => { document.body.dataset.ready = "1"; },
                (error) => say("search-message", error.message, true));
