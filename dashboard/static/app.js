/* 督办 dashboard: a Telegram Mini App for coordinators and department heads.
 *
 * Vanilla JS, no build step. It talks only to the bot's own server, beside this page:
 * GET api/me, api/ranking, api/trend, api/overdue, api/issue/<id>, api/map, api/workload
 * (/tmp/briefs/dash-contract.md, "The API"), each with `Authorization: tma <init data>`, and
 * signin.json (the few words it shows before it knows who opened it). ECharts and
 * Leaflet come from vendor/ (all of dashboard/static/ is served beside the page).
 *
 * Telegram hands a Mini App its init data in the URL's fragment (#tgWebAppData=…&
 * tgWebAppThemeParams=…); the page reads it once and puts it in no link it makes.
 *
 * Every word comes from api/me -> strings (dashboard/strings.py, the catalogs): none is
 * written here. Whatever the server sends is put on the page as text, except the issue's card
 * and timeline, which are HTML in Telegram's small subset: only those tags are kept.
 */
"use strict";

const REFRESH_MS = 60_000;
const PALETTE = [
  "#2f7ed8", "#e4572e", "#29a36a", "#f0a202", "#8e44ad", "#17a2b8", "#c0392b", "#7f8c8d",
  "#d35400", "#16a085", "#2c3e50", "#b8860b",
];
const RATES = [
  "on_time_acceptance_rate", "on_time_resolution_rate", "closing_rate", "contact_rate",
  "solved_rate", "satisfaction_rate", "reopen_rate", "return_rate",
];
const RANKED = [
  "contact_rate", "solved_rate", "satisfaction_rate", "on_time_acceptance_rate",
  "on_time_resolution_rate",
];

const state = {
  init: "",
  me: null,
  words: {},
  period: "month",
  ranking: null,
  charts: {},
  map: null,
  mapLayer: null,
  mapPoints: [],
  hidden: new Set(), // the legend's entries switched off
  timer: null,
  failed: false,
};

// ---- Signing in: Telegram's init data and theme from the fragment -----------------------------

function fragment() {
  const hash = window.location.hash.replace(/^#/, "");
  return new URLSearchParams(hash);
}

function initData() {
  const webApp = window.Telegram && window.Telegram.WebApp;
  if (webApp && webApp.initData) return webApp.initData;
  return fragment().get("tgWebAppData") || "";
}

function initUser(data) {
  try {
    return JSON.parse(new URLSearchParams(data).get("user") || "null");
  } catch (_) {
    return null;
  }
}

function themeParams() {
  const webApp = window.Telegram && window.Telegram.WebApp;
  if (webApp && webApp.themeParams && Object.keys(webApp.themeParams).length) {
    return webApp.themeParams;
  }
  const raw = fragment().get("tgWebAppThemeParams");
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw);
    return parsed && typeof parsed === "object" ? parsed : null;
  } catch (_) {
    return null;
  }
}

const COLOUR = /^#[0-9a-fA-F]{3,8}$/;

function applyTheme(given) {
  const params = given || themeParams();
  const root = document.documentElement;
  if (params) {
    for (const [key, value] of Object.entries(params)) {
      if (typeof value === "string" && COLOUR.test(value)) {
        root.style.setProperty(`--tg-${key.replace(/_/g, "-")}`, value);
      }
    }
    if (typeof params.bg_color === "string" && COLOUR.test(params.bg_color)) {
      root.dataset.theme = luminance(params.bg_color) < 0.4 ? "dark" : "light";
      return;
    }
  }
  const dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  root.dataset.theme = dark ? "dark" : "light";
}

// Telegram's side of a Mini App, without its script (which the page does not load): the events
// it sends the app (https://core.telegram.org/api/web-events) and the two the page sends it.
function postEvent(eventType, eventData) {
  const data = eventData || {};
  try {
    if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(eventType, JSON.stringify(data));
    else if (window.parent !== window) window.parent.postMessage(JSON.stringify({ eventType, eventData: data }), "*");
  } catch (_) {
    // Not inside Telegram: nobody to tell.
  }
}

function receiveEvent(eventType, eventData) {
  if (eventType === "theme_changed" && eventData && eventData.theme_params) {
    applyTheme(eventData.theme_params);
    if (state.ranking) refresh().catch(() => {});
  }
}

function listenToTelegram() {
  window.Telegram = window.Telegram || {};
  window.Telegram.WebView = { receiveEvent };
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || window.parent === window) return;
    let parsed = null;
    try {
      parsed = JSON.parse(event.data);
    } catch (_) {
      return;
    }
    if (parsed && typeof parsed.eventType === "string") receiveEvent(parsed.eventType, parsed.eventData);
  });
}

function luminance(hex) {
  let h = hex.slice(1);
  if (h.length <= 4) h = [...h.slice(0, 3)].map((c) => c + c).join("");
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// ---- Words and elements -----------------------------------------------------------------------

function t(key, values) {
  let text = state.words[key];
  if (text === undefined) text = key;
  if (values) {
    for (const [name, value] of Object.entries(values)) text = text.split(`{${name}}`).join(String(value));
  }
  return text;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function translatePage() {
  document.documentElement.lang = state.me && state.me.language === "en" ? "en" : "zh-CN";
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  document.title = `督办 · ${t("title")}`;
}

// Telegram's HTML subset (https://core.telegram.org/bots/api#html-style): only these tags are
// kept, only an <a>'s web address and a <code>'s language class; anything else becomes its text.
const ALLOWED = new Set([
  "B", "STRONG", "I", "EM", "U", "INS", "S", "STRIKE", "DEL", "A", "CODE", "PRE", "BLOCKQUOTE",
  "TG-SPOILER", "SPAN", "BR",
]);

function telegramHtml(html) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html").body;
  const out = document.createDocumentFragment();
  copyAllowed(parsed, out);
  return out;
}

function copyAllowed(from, into) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      into.append(document.createTextNode(node.textContent));
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      if (!ALLOWED.has(node.tagName) || (node.tagName === "SPAN" && node.className !== "tg-spoiler")) {
        copyAllowed(node, into);
        continue;
      }
      const copy = document.createElement(node.tagName.toLowerCase());
      if (node.tagName === "A") {
        const href = node.getAttribute("href") || "";
        if (/^https?:\/\//i.test(href)) {
          copy.setAttribute("href", href);
          copy.setAttribute("target", "_blank");
          copy.setAttribute("rel", "noopener noreferrer");
        }
      } else if (node.tagName === "SPAN") {
        copy.className = "tg-spoiler";
      } else if (node.tagName === "CODE" && /^language-[\w+-]+$/.test(node.className)) {
        copy.className = node.className;
      }
      copyAllowed(node, copy);
      into.append(copy);
    }
  }
}

// ---- Talking to the server --------------------------------------------------------------------

class Refused extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

function apiBase() {
  let path = window.location.pathname;
  if (!path.endsWith("/")) path = /\.[a-z]+$/i.test(path) ? path.replace(/[^/]*$/, "") : `${path}/`;
  return `${path}api/`;
}

async function api(route, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") query.set(key, value);
  }
  const url = apiBase() + route + (query.toString() ? `?${query}` : "");
  let response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `tma ${state.init}` },
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch (error) {
    offline(true);
    throw error;
  }
  offline(false);
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = null;
  }
  if (response.status === 401 || response.status === 403) {
    stopWith(response.status === 401 ? "unsigned" : "forbidden");
  }
  if (!response.ok) throw new Refused(response.status, body);
  return body;
}

function offline(down) {
  const banner = document.getElementById("banner");
  banner.hidden = !down;
  if (down) banner.textContent = t("offline");
}

// One clear line, nothing else: the dashboard and its data are gone from the page.
function stopWith(key) {
  clearInterval(state.timer);
  const dialog = document.getElementById("issue");
  if (dialog.open) dialog.close();
  const dashboard = document.getElementById("dashboard");
  if (dashboard) dashboard.remove();
  const notice = document.getElementById("notice");
  notice.textContent = t(key);
  notice.dataset.reason = key;
  notice.hidden = false;
  document.body.dataset.ready = "yes";
  throw new Refused(key === "unsigned" ? 401 : 403, null);
}

async function signinWords() {
  // Before api/me: the words in the person's Telegram language, else the browser's.
  const user = initUser(state.init);
  const asked = ((user && user.language_code) || navigator.language || "zh").toLowerCase();
  const language = asked.startsWith("en") ? "en" : "zh";
  try {
    const response = await fetch("signin.json", { cache: "no-store" });
    const all = await response.json();
    state.words = all[language] || all.zh || {};
  } catch (_) {
    state.words = {};
  }
}

// ---- The panels -------------------------------------------------------------------------------

function failed(panel, yes) {
  const line = document.querySelector(`#${panel} .failed`);
  if (line) line.hidden = !yes;
}

async function panel(id, load) {
  try {
    await load();
    failed(id, false);
  } catch (error) {
    if (error instanceof Refused && !document.getElementById("dashboard")) throw error;
    failed(id, true);
  }
}

function rate(value) {
  return value === null || value === undefined ? null : Math.round(value * 1000) / 10;
}

function scoreText(row) {
  if (row.text && row.text.score !== undefined) return row.text.score;
  return row.score === null || row.score === undefined ? t("no_data") : (row.score * 100).toFixed(1);
}

function rateText(row, name) {
  if (row.text && row.text[name] !== undefined) return row.text[name];
  const value = row.rates ? row.rates[name] : null;
  return value === null || value === undefined ? t("no_data") : `${Math.round(value * 100)}%`;
}

async function loadRanking() {
  const data = await api("ranking", { period: state.period });
  state.ranking = data;
  const head = state.me.role === "head";
  document.getElementById("ranking-title").textContent = t(head ? "ranking_head_title" : "ranking_title");
  document.querySelector("#ranking .period-label").textContent = data.period ? data.period.label : "";

  const columns = ["score", ...RATES, "open", "overdue"];
  const table = document.getElementById("ranking-table");
  const header = el("tr", {},
    el("th", { scope: "col", class: "num" }, head ? "" : t("rank")),
    el("th", { scope: "col" }, t("department")),
    ...columns.map((name) => el("th", { scope: "col", class: "num", dataset: { column: name } }, t(name))));
  const row = (entry, district) =>
    el("tr", { class: district ? "district" : "", dataset: { department: district ? "" : entry.code } },
      el("td", { class: "num" }, district || head ? "" : entry.rank),
      el("th", { scope: "row" }, district ? t("district") : entry.name),
      el("td", { class: "num", dataset: { column: "score" } }, scoreText(entry)),
      ...RATES.map((name) => el("td", { class: "num", dataset: { column: name } }, rateText(entry, name))),
      el("td", { class: "num", dataset: { column: "open" } }, entry.counts ? entry.counts.open : ""),
      el("td", { class: `num${entry.counts && entry.counts.overdue ? " late" : ""}`, dataset: { column: "overdue" } },
        entry.counts ? entry.counts.overdue : ""));
  table.replaceChildren(
    el("thead", {}, header),
    el("tbody", {}, ...data.departments.map((entry) => row(entry, false)),
      data.district ? row(data.district, true) : null));

  drawRanking(data, head);
  fillTrendDepartments(data.departments);
}

function chartColours() {
  return {
    text: css("--text"),
    hint: css("--hint"),
    line: css("--line"),
    accent: css("--accent"),
    bg: css("--panel"),
  };
}

function chart(id) {
  const node = document.getElementById(id);
  if (!state.charts[id]) {
    state.charts[id] = window.echarts.init(node, null, { renderer: "canvas" });
    new ResizeObserver(() => state.charts[id] && state.charts[id].resize()).observe(node);
  }
  return state.charts[id];
}

function drawRanking(data, head) {
  const c = chartColours();
  const axis = { axisLine: { lineStyle: { color: c.line } }, axisLabel: { color: c.text },
    splitLine: { lineStyle: { color: c.line } } };
  let option;
  if (head) {
    // Their department beside the district, rate by rate.
    const names = RANKED.map((name) => t(name));
    const mine = data.departments[0];
    const series = [mine, data.district].filter(Boolean).map((entry, i) => ({
      type: "bar",
      name: entry === data.district ? t("district") : entry.name,
      data: RANKED.map((name) => rate(entry.rates ? entry.rates[name] : null)),
      itemStyle: { color: i === 0 ? c.accent : c.hint },
      barMaxWidth: 22,
      label: { show: true, position: "right", color: c.text, formatter: (p) => (p.value === null ? "" : `${p.value}%`) },
    }));
    option = {
      animation: false,
      textStyle: { color: c.text },
      legend: { top: 0, textStyle: { color: c.text } },
      grid: { left: 8, right: 48, top: 28, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: 100, ...axis, axisLabel: { color: c.hint, formatter: "{value}%" } },
      yAxis: { type: "category", data: names, inverse: true, ...axis },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      series,
    };
  } else {
    const rows = data.departments.filter((entry) => entry.score !== null && entry.score !== undefined);
    option = {
      animation: false,
      textStyle: { color: c.text },
      title: { text: t("ranking_chart"), left: 0, top: 0, textStyle: { color: c.hint, fontSize: 12, fontWeight: "normal" } },
      grid: { left: 8, right: 48, top: 28, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: 100, ...axis, axisLabel: { color: c.hint } },
      yAxis: { type: "category", data: rows.map((entry) => entry.name), inverse: true, ...axis },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      series: [{
        type: "bar",
        data: rows.map((entry) => entry.score * 100),
        itemStyle: { color: c.accent },
        barMaxWidth: 28,
        // The label is the server's text, as /stats prints it (its rounding, not JavaScript's).
        label: { show: true, position: "right", color: c.text, formatter: (p) => scoreText(rows[p.dataIndex]) },
      }],
    };
  }
  const drawn = head ? data.departments.length : option.series[0].data.length;
  if (!drawn) {
    // Nothing scored yet: a word in the middle rather than empty axes.
    option = {
      animation: false,
      title: { text: t("no_data"), left: "center", top: "middle", textStyle: { color: c.hint, fontSize: 14, fontWeight: "normal" } },
    };
  }
  chart("ranking-chart").setOption(option, true);
}

function fillTrendDepartments(departments) {
  const select = document.getElementById("trend-department");
  const chosen = select.value;
  const options = [el("option", { value: "" }, t("trend_district_only"))];
  for (const entry of departments) options.push(el("option", { value: entry.code }, entry.name));
  select.replaceChildren(...options);
  const codes = departments.map((entry) => entry.code);
  if (codes.includes(chosen)) select.value = chosen;
  else if (state.me.role === "head" && codes.length) select.value = codes[0];
  else select.value = "";
}

async function loadTrend() {
  const department = document.getElementById("trend-department").value;
  const data = await api("trend", { period: state.period, department });
  const c = chartColours();
  const weeks = data.weeks || [];
  const scope = (week) => (department && week.department ? week.department : week.district);
  const series = RATES.map((name, i) => ({
    type: "line",
    name: t(name),
    data: weeks.map((week) => rate(scope(week) && scope(week).rates ? scope(week).rates[name] : null)),
    connectNulls: false,
    symbolSize: 6,
    lineStyle: { width: 2 },
    color: PALETTE[i % PALETTE.length],
  }));
  const option = {
    animation: false,
    textStyle: { color: c.text },
    legend: { type: "scroll", top: 0, textStyle: { color: c.text }, pageTextStyle: { color: c.hint } },
    grid: { left: 8, right: 16, top: 56, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", valueFormatter: (value) => (value === null || value === undefined ? t("no_data") : `${value}%`) },
    xAxis: { type: "category", data: weeks.map((week) => week.label), axisLine: { lineStyle: { color: c.line } }, axisLabel: { color: c.text, interval: 0, hideOverlap: false, width: 64, overflow: "break" } },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { color: c.hint, formatter: "{value}%" }, splitLine: { lineStyle: { color: c.line } } },
    series,
  };
  chart("trend-chart").setOption(option, true);
}

async function loadOverdue() {
  const data = await api("overdue", {});
  const list = document.getElementById("overdue-list");
  const issues = data.issues || [];
  document.getElementById("overdue-total").textContent = issues.length
    ? t("overdue_total", { shown: issues.length, total: data.total })
    : t("overdue_none");
  list.replaceChildren(...issues.map((issue) =>
    el("li", {},
      el("button", { type: "button", class: "issue-row", dataset: { issue: issue.id }, onclick: () => openIssue(issue.id) },
        el("span", { class: "line1" },
          el("span", { class: "number" }, issue.number),
          issue.urgent ? el("span", { class: "badge urgent" }, t("urgent")) : null,
          el("span", { class: "late" }, issue.late)),
        el("span", { class: "line2 hint" },
          [issue.department_name, issue.category_name, issue.status_name].filter(Boolean).join(" · ")),
        issue.gist ? el("span", { class: "gist" }, issue.gist) : null))));
}

async function openIssue(id) {
  const dialog = document.getElementById("issue");
  const card = document.getElementById("issue-card");
  const timeline = document.getElementById("issue-timeline");
  document.getElementById("issue-title").textContent = t("loading");
  card.replaceChildren();
  timeline.replaceChildren();
  if (!dialog.open) dialog.showModal();
  try {
    const data = await api(`issue/${encodeURIComponent(id)}`, {});
    document.getElementById("issue-title").textContent = t("issue_title", { number: data.number });
    card.replaceChildren(telegramHtml(data.card || ""));
    timeline.replaceChildren(...(data.timeline || []).map((line) => el("li", {}, telegramHtml(line))));
  } catch (error) {
    if (!document.getElementById("dashboard")) return;
    const gone = error instanceof Refused && error.status === 404;
    document.getElementById("issue-title").textContent = "";
    card.replaceChildren(el("p", { class: "hint" }, t(gone ? "not_found" : "failed")));
  }
}

// ---- The map ----------------------------------------------------------------------------------

function ensureMap() {
  if (state.map) return state.map;
  const tiles = state.me.tiles || {};
  const map = window.L.map("map", {
    preferCanvas: true,
    attributionControl: Boolean(tiles.url),
    zoomControl: true,
    worldCopyJump: false,
  });
  map.zoomControl.getContainer().querySelectorAll("a").forEach((a) => a.removeAttribute("title"));
  if (tiles.url) {
    map.attributionControl.setPrefix(false);
    // The attribution is the settings' text, shown as text (Leaflet would take it as HTML).
    const attribution = tiles.attribution ? el("span", {}, tiles.attribution).innerHTML : "";
    window.L.tileLayer(tiles.url, { attribution, maxZoom: 19 }).addTo(map);
    document.getElementById("map").classList.add("tiled");
  }
  map.setView([30, 114], 4);
  state.mapLayer = window.L.layerGroup().addTo(map);
  state.map = map;
  new ResizeObserver(() => map.invalidateSize()).observe(document.getElementById("map"));
  return map;
}

function colourKey(point, by) {
  return by === "category" ? point.category : point.status;
}

function colourName(point, by) {
  return by === "category" ? point.category_name : point.status_name;
}

async function loadMap() {
  const data = await api("map", {});
  state.mapPoints = data.points || [];
  const tiles = state.me.tiles || {};
  document.getElementById("map-shown").textContent = state.mapPoints.length
    ? t("map_shown", { shown: data.shown, total: data.total })
    : t("map_none");
  document.getElementById("map-tiles").hidden = Boolean(tiles.url);
  const first = !state.map;
  ensureMap();
  drawPoints(first);
}

function drawPoints(fit) {
  const by = document.getElementById("map-colour").value;
  const onlyOverdue = document.getElementById("map-overdue").checked;
  const keys = [...new Map(state.mapPoints.map((p) => [colourKey(p, by), colourName(p, by)])).entries()]
    .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
  const colours = new Map(keys.map(([key], i) => [key, PALETTE[i % PALETTE.length]]));
  const legend = document.getElementById("map-legend");
  legend.replaceChildren(...keys.map(([key, name]) =>
    el("label", { class: "legend-item", dataset: { key } },
      el("input", { type: "checkbox", checked: !state.hidden.has(`${by}:${key}`),
        onchange: (event) => {
          if (event.target.checked) state.hidden.delete(`${by}:${key}`);
          else state.hidden.add(`${by}:${key}`);
          drawPoints(false);
        } }),
      el("span", { class: "swatch", style: `background:${colours.get(key)}` }),
      name)));
  state.mapLayer.clearLayers();
  const bounds = [];
  for (const point of state.mapPoints) {
    if (onlyOverdue && !point.overdue) continue;
    if (state.hidden.has(`${by}:${colourKey(point, by)}`)) continue;
    const colour = colours.get(colourKey(point, by));
    const marker = window.L.circleMarker([point.lat, point.lon], {
      radius: point.urgent ? 8 : 6,
      color: point.overdue ? css("--late") : colour,
      weight: point.overdue ? 3 : 1,
      fillColor: colour,
      fillOpacity: 0.85,
    });
    const label = [point.number, point.category_name, point.status_name].filter(Boolean).join(" · ");
    marker.bindTooltip(el("span", {}, label));
    marker.on("click", () => openIssue(point.id));
    marker.addTo(state.mapLayer);
    bounds.push([point.lat, point.lon]);
  }
  if (fit && bounds.length) state.map.invalidateSize();
  if (fit && bounds.length) state.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
}

// ---- The workload -----------------------------------------------------------------------------

async function loadWorkload() {
  const data = await api("workload", { period: state.period });
  const people = data.people || [];
  document.getElementById("workload-period").textContent = people.length ? people[0].period : "";
  const showDepartment = state.me.role !== "head";
  document.getElementById("workload-table").replaceChildren(
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("person")),
      showDepartment ? el("th", { scope: "col" }, t("department")) : null,
      el("th", { scope: "col", class: "num" }, t("in_hand")),
      el("th", { scope: "col", class: "num" }, t("overdue")),
      el("th", { scope: "col", class: "num" }, t("closed_in_period")))),
    el("tbody", {}, ...people.map((person) =>
      el("tr", {},
        el("th", { scope: "row" }, person.name),
        showDepartment ? el("td", {}, person.department_name || "") : null,
        el("td", { class: "num" }, person.open),
        el("td", { class: `num${person.overdue ? " late" : ""}` }, person.overdue),
        el("td", { class: "num" }, person.closed)))));
}

// ---- Putting it together ----------------------------------------------------------------------

async function refresh() {
  document.body.dataset.loading = "yes";
  await panel("ranking", loadRanking);
  await Promise.all([
    panel("trend", loadTrend),
    panel("overdue", loadOverdue),
    panel("map-panel", loadMap),
    panel("workload", loadWorkload),
  ]);
  if (!document.getElementById("dashboard")) return;
  const now = new Date();
  document.getElementById("updated").textContent = t("updated", {
    time: now.toLocaleTimeString(state.me.language === "en" ? "en-GB" : "zh-CN", { hour: "2-digit", minute: "2-digit" }),
  });
  document.body.dataset.loading = "no";
  document.body.dataset.ready = "yes";
}

function setUp() {
  const me = state.me;
  document.getElementById("who").textContent = [me.name, me.department_name].filter(Boolean).join(" · ");
  const select = document.getElementById("period");
  select.replaceChildren(...(me.periods || []).map((p) => el("option", { value: p.words }, p.label)));
  const words = (me.periods || []).map((p) => p.words);
  state.period = words.includes("month") ? "month" : words[0] || "month";
  select.value = state.period;
  select.addEventListener("change", () => {
    state.period = select.value;
    refresh().catch(() => {});
  });
  document.getElementById("refresh").addEventListener("click", () => refresh().catch(() => {}));
  document.getElementById("trend-department").addEventListener("change", () => panel("trend", loadTrend).catch(() => {}));
  document.getElementById("map-colour").addEventListener("change", () => drawPoints(false));
  document.getElementById("map-overdue").addEventListener("change", () => drawPoints(false));
  if (me.role === "head") document.getElementById("map-panel").classList.add("head");
  state.timer = setInterval(() => {
    if (!document.hidden) refresh().catch(() => {});
  }, REFRESH_MS);
}

async function main() {
  listenToTelegram();
  applyTheme();
  postEvent("web_app_ready");
  postEvent("web_app_expand"); // a dashboard wants the whole height
  state.init = initData();
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
      applyTheme();
      if (state.ranking) refresh().catch(() => {});
    });
  }
  await signinWords();
  if (!state.init) {
    try {
      stopWith("unsigned");
    } catch (_) {
      return;
    }
  }
  try {
    state.me = await api("me", {});
  } catch (error) {
    if (!(error instanceof Refused)) {
      const notice = document.getElementById("notice");
      notice.textContent = t("offline");
      notice.dataset.reason = "offline";
      notice.hidden = false;
      document.body.dataset.ready = "yes";
    }
    return;
  }
  state.words = { ...state.words, ...(state.me.strings || {}) };
  translatePage();
  document.getElementById("dashboard").hidden = false;
  setUp();
  await refresh().catch(() => {});
}

main();
