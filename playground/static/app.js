/* 督办 playground: a page of phones, each a Telegram chat of one emulated person.
 *
 * Vanilla JS, no build step, nothing fetched from the internet. It talks only to the playground's
 * own server (playground/web.py): GET /api/state and /api/chats/{id}, the POSTs of the contract
 * (playground/web.py), and the WebSocket /api/live, whose pushes say
 * what changed; the page then re-reads just that (no reload, no polling).
 *
 * Every word on the page comes from /api/state -> strings[zh|en] (the translation catalogs). A
 * key the server does not serve yet is shown as the key itself. The keys this page uses:
 *
 *   playground_title   the page's name beside 督办 ("演练场" / "Playground")
 *   lang_zh, lang_en   the language switches' labels (中文 / English in both catalogs)
 *   clock_label        before the bot's time ("机器人时间" / "Bot's time")
 *   clock_hour         "+1 小时" / "+1 hour"
 *   clock_day          "+1 天" / "+1 day"
 *   clock_morning      "到明早 08:30" / "To 08:30 tomorrow"
 *   clock_deadline     "到下一个期限" / "To the next deadline"
 *   clock_no_deadline  tooltip when no deadline is ahead ("没有待到的期限" / "No deadline ahead")
 *   clock_next         tooltip with the next deadline: "下一个期限：{when}" / "Next deadline: {when}"
 *   reset              "重置" / "Reset"
 *   reset_confirm      "重置演练场？所有工单、聊天和时间都将从头开始。" / "Reset the playground? …"
 *   cancel, ok         dialogs' buttons
 *   person_language    tooltip of a person's zh/en switch ("此人的 Telegram 语言" / "This person's Telegram language")
 *   message_placeholder the input's placeholder ("消息" / "Message")
 *   send               tooltip of ➤ ("发送" / "Send")
 *   commands           tooltip of ☰ ("命令" / "Commands")
 *   attach             tooltip of 📎 ("发送图片" / "Send a photo")
 *   upload             the attach menu's last item ("从电脑上传图片…" / "Upload a picture…")
 *   keyboard           tooltip of ⌨ ("显示/隐藏键盘" / "Show or hide the keyboard")
 *   speaking_as        under a group's header: "以{name}的身份发言" / "Speaking as {name}"
 *   edited             on an edited message ("已编辑" / "edited")
 *   start              the button of an empty private chat ("开始" / "Start")
 *   empty_chat         an empty chat ("还没有消息" / "No messages here yet")
 *   replying_to        above the input during a force reply ("回复" / "Reply to")
 *   location           a location card's title ("位置" / "Location")
 *   contact            a contact card's title ("联系人" / "Contact")
 *   photo              a photo's alt text ("图片" / "Photo")
 *   download           a document's link tooltip ("下载" / "Download")
 *   action_typing, action_upload_document, action_upload_photo, action_find_location, action_record_voice,
 *   action_upload_video: the chat action under the header ("正在输入…", "正在发送文件…", …)
 *   map_title          "选择位置" / "Choose a place"
 *   map_hint           "在地图上点一个点，或选一个地点。" / "Click the map, or choose a place."
 *   map_send           "发送此位置" / "Send this location"
 *   drills_title       "模拟演练" / "Drills"
 *   drill_start        "开始" / "Start"
 *   drill_restart      "重新开始" / "Start again"
 *   drill_task         "任务" / "Task"
 *   drill_steps        "步骤" / "Steps"
 *   drill_finished     "演练完成" / "Drill finished"
 *   drill_time         "用时：{minutes}分{seconds}秒" / "Time taken: {minutes} min {seconds} s"
 *   drill_mistakes     "失误" / "Mistakes"
 *   drill_no_mistakes  "没有失误" / "No mistakes"
 *   offline            "与演练场的连接断开了，正在重新连接…" / "Lost the connection; reconnecting…"
 *   failed             a request that failed with no words from the server ("出错了，请重试" / "Something went wrong; try again")
 *
 * Keys being added to playground/strings.py and the catalogs (until a server serves them, the
 * page shows the older key named after "else", or the key itself):
 *
 *   drill_real_time       "用时：{minutes} 分 {seconds} 秒" / "Time taken: {minutes} min {seconds} s"
 *                         (the trainee's real time; else drill_time)
 *   drill_clock_time      "机器人时钟走了 {hours} 小时 {minutes} 分" / "The bot's clock moved {hours} h {minutes} min"
 *                         (under the time taken when the bot's clock moved a minute more or less)
 *   drill_mistakes_so_far "目前的差错" / "Mistakes so far" (under a running drill's steps; else drill_mistakes)
 *   drill_stuck_hint      "有一步做错了，可点“重新开始”重来。" / "A step went wrong; press Start again to try afresh."
 *   contact_card          "联系人名片" / "Contact card" (the 📎 menu's contacts, private chats only; else contact)
 *   group_empty           "群里还没有消息。" / "No messages in this group yet." (a group has no Start button)
 *   dashboard_open        tooltip of 📊 in a coordinator's or a head's chat ("打开数据看板" / "Open the dashboard")
 *   close                 the dashboard's Close ("关闭" / "Close")
 */
"use strict";

const state = {
  lang: localStorage.getItem("duban-playground-lang") || "zh",
  strings: {},
  people: [],
  byChat: new Map(), // chat_id -> pane {person, el, ...}
  places: [],
  map: null,
  samples: [],
  contacts: [], // the 📎 menu's contact cards: [{name, phone}]
  drills: [],
  drillsAvailable: false,
  drill: null,
  clock: null,
  active: null, // the chat shown on a phone-width screen
};

// ------------------------------------------------------------------------------------- words
function t(key, vars, older) {
  // `older`: a key served before `key` was, saying much the same, to show until `key` is served
  const table = state.strings[state.lang] || {};
  const has = (k) => Object.prototype.hasOwnProperty.call(table, k);
  let text = has(key) ? table[key] : older && has(older) ? table[older] : key;
  if (vars) {
    for (const [name, value] of Object.entries(vars)) text = text.split(`{${name}}`).join(String(value));
  }
  return text;
}

function textOf(pair) {
  // a drill's {zh, en}
  if (pair == null) return "";
  if (typeof pair === "string") return pair;
  return pair[state.lang] ?? pair.zh ?? pair.en ?? "";
}

function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-title]")) el.title = t(el.dataset.tTitle);
  for (const el of root.querySelectorAll("[data-t-placeholder]")) el.placeholder = t(el.dataset.tPlaceholder);
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.title = `督办 · ${t("playground_title")}`;
  for (const b of document.querySelectorAll("[data-page-lang]")) {
    b.classList.toggle("on", b.dataset.pageLang === state.lang);
  }
}

// ---------------------------------------------------------------------------------- requests
class Refused extends Error {}

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body instanceof FormData) options.body = body;
  else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (e) {
    throw new Refused(t("offline"));
  }
  let data = null;
  try {
    data = await response.json();
  } catch (e) {
    data = null;
  }
  if (!response.ok) throw new Refused((data && ((data.errors && data.errors[state.lang]) || data.error)) || t("failed"));
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// ------------------------------------------------------------------------------- the state
async function loadState() {
  const s = await api("GET", "/api/state");
  state.strings = s.strings || {};
  state.places = s.places || [];
  state.map = s.map || null;
  state.samples = s.samples || [];
  state.contacts = Array.isArray(s.contacts) ? s.contacts : [];
  state.drills = s.drills || [];
  setClock(s.clock);
  const same =
    state.people.length === (s.people || []).length &&
    state.people.every((p, i) => p.chat_id === s.people[i].chat_id);
  state.people = s.people || [];
  if (!same) buildPanes();
  else for (const p of state.people) updatePaneHead(state.byChat.get(p.chat_id), p);
  translateStatic();
  for (const pane of state.byChat.values()) renderChat(pane);
  renderDrills();
}

function setClock(clock) {
  if (!clock) return;
  state.clock = clock;
  const shown = document.getElementById("clock-shown");
  shown.textContent = (state.lang === "en" && clock.shown_en) || clock.shown || clock.now;
  shown.dateTime = clock.now || "";
  const deadline = document.querySelector('[data-move="deadline"]');
  deadline.classList.toggle("none-ahead", !clock.next_deadline);
  deadline.title = clock.next_deadline
    ? t("clock_next", { when: formatWhen(clock.next_deadline) })
    : t("clock_no_deadline");
}

function formatWhen(iso) {
  // "2026-12-07T17:30:00+08:00" -> "12-07 17:30", as the bot's clock reads (its own offset)
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(iso);
  return m ? `${m[2]}-${m[3]} ${m[4]}:${m[5]}` : iso;
}

// ----------------------------------------------------------------------------------- panes
function buildPanes() {
  const phones = document.getElementById("phones");
  const tabs = document.getElementById("tabs");
  phones.replaceChildren();
  tabs.replaceChildren();
  state.byChat.clear();
  for (const person of panesInOrder()) {
    const pane = makePane(person);
    state.byChat.set(person.chat_id, pane);
    phones.append(pane.el);
    tabs.append(pane.tab);
  }
  const drillTab = el("button", { type: "button", class: "tab drills-tab", role: "tab", dataset: { tab: "drills" }, hidden: !state.drillsAvailable },
    el("span", { "data-t": "drills_title" }));
  drillTab.addEventListener("click", () => showTab("drills"));
  tabs.prepend(drillTab); // first: on a narrow screen the people's tabs run off to the side
  if (state.active !== "drills" && !state.byChat.has(state.active) && state.people.length) state.active = state.people[0].chat_id;
  showTab(state.active);
}

function panesInOrder() {
  // a group beside the person who types in it (a head beside their department's group)
  const groups = state.people.filter((p) => p.kind === "group" && p.member);
  const ordered = [];
  for (const p of state.people) {
    if (groups.includes(p)) continue;
    ordered.push(p);
    for (const g of groups) if (g.member === p.key) ordered.push(g);
  }
  for (const g of groups) if (!ordered.includes(g)) ordered.push(g);
  return ordered;
}

function initials(name) {
  return Array.from(name || "?")[0];
}

function makePane(person) {
  const pane = {
    person,
    chat: null, // the last GET /api/chats/{id}
    rendered: new Map(), // message id -> {sig, node}
    pending: [], // optimistic bubbles of what this person just sent
    replyTo: null,
    forceKey: null,
    keyboardHidden: false,
    loading: null,
    again: false,
    unread: 0,
  };
  const avatar = el("div", { class: `avatar hue${Math.abs(person.chat_id) % 7}` }, initials(person.name));
  const name = el("div", { class: "name" });
  const status = el("div", { class: "status" });
  const langs = el(
    "div",
    { class: "lang-switch", role: "group", "data-t-title": "person_language" },
    ...["zh", "en"].map((code) =>
      el("button", { type: "button", class: "lang", dataset: { lang: code }, onclick: () => setPersonLanguage(pane, code) }, code)
    )
  );
  // Coordinators and heads have the bot's dashboard (a Mini App): 📊 opens it, signed for them.
  const dashboardButton = person.dashboard
    ? el("button", { type: "button", class: "icon dashboard-open", "data-t-title": "dashboard_open", onclick: () => openDashboard(person) }, "📊")
    : null;
  const head = el("header", { class: "chat-head" }, avatar, el("div", { class: "who" }, name, status), dashboardButton, langs);
  const messages = el("div", { class: "messages", role: "log" });
  const toasts = el("div", { class: "toasts" });
  const replyBar = el("div", { class: "reply-bar", hidden: true });
  const input = el("textarea", { class: "input", rows: 1, "data-t-placeholder": "message_placeholder" });
  const menuButton = el("button", { type: "button", class: "icon menu", "data-t-title": "commands", "aria-label": "/" }, "☰");
  const attachButton = el("button", { type: "button", class: "icon attach", "data-t-title": "attach" }, "📎");
  const kbButton = el("button", { type: "button", class: "icon kb-toggle", "data-t-title": "keyboard", hidden: true }, "⌨");
  const sendButton = el("button", { type: "button", class: "icon send", "data-t-title": "send" }, "➤");
  const composer = el("div", { class: "composer" }, menuButton, attachButton, input, kbButton, sendButton);
  const replyKeyboard = el("div", { class: "reply-keyboard", hidden: true });
  const commandMenu = el("div", { class: "popover command-menu", hidden: true });
  const attachMenu = el("div", { class: "popover attach-menu", hidden: true });
  const root = el(
    "article",
    { class: `phone ${person.kind || "private"}`, dataset: { chat: person.chat_id, person: person.key }, role: "tabpanel" },
    head,
    el("div", { class: "screen" }, messages, toasts, commandMenu, attachMenu),
    replyBar,
    composer,
    replyKeyboard
  );
  const tab = el("button", { type: "button", class: "tab", role: "tab", dataset: { chat: person.chat_id, person: person.key } },
    el("span", { class: "tab-name" }), el("span", { class: "badge", hidden: true }));
  tab.addEventListener("click", () => showTab(person.chat_id));
  Object.assign(pane, {
    el: root, tab, name, status, langs, messages, toasts, replyBar, input, menuButton, attachButton,
    kbButton, sendButton, replyKeyboard, commandMenu, attachMenu,
  });

  sendButton.addEventListener("click", () => sendTyped(pane));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendTyped(pane);
    } else if (e.key === "Escape") {
      closePopovers(pane);
    }
  });
  input.addEventListener("input", () => {
    if (input.value === "/") openCommands(pane);
    else if (!input.value.startsWith("/")) pane.commandMenu.hidden = true;
  });
  menuButton.addEventListener("click", () => (pane.commandMenu.hidden ? openCommands(pane) : closePopovers(pane)));
  attachButton.addEventListener("click", () => (pane.attachMenu.hidden ? openAttach(pane) : closePopovers(pane)));
  kbButton.addEventListener("click", () => {
    pane.keyboardHidden = !pane.keyboardHidden;
    renderReplyKeyboard(pane);
  });
  replyBar.addEventListener("click", () => {
    pane.replyTo = null;
    renderReplyBar(pane);
  });
  updatePaneHead(pane, person);
  return pane;
}

function updatePaneHead(pane, person) {
  if (!pane) return;
  pane.person = person;
  pane.name.textContent = person.name;
  pane.tab.querySelector(".tab-name").textContent = person.name;
  for (const b of pane.langs.querySelectorAll("button")) b.classList.toggle("on", b.dataset.lang === person.language);
  renderStatus(pane);
}

function renderStatus(pane) {
  const action = pane.chat && pane.chat.action;
  pane.status.classList.toggle("acting", Boolean(action));
  if (action) {
    pane.status.textContent = t(`action_${action}`);
    return;
  }
  const person = pane.person;
  let line = textOf(person.roles || person.role);
  if (person.kind === "group" && person.member) {
    const member = state.people.find((p) => p.key === person.member);
    line = `${line} · ${t("speaking_as", { name: member ? member.name : person.member })}`;
  }
  pane.status.textContent = line;
}

function showTab(chatId) {
  state.active = chatId;
  document.body.classList.toggle("tab-drills", chatId === "drills");
  document.querySelector(".drills-tab")?.classList.toggle("on", chatId === "drills");
  for (const pane of state.byChat.values()) {
    const on = pane.person.chat_id === chatId;
    pane.el.classList.toggle("active", on);
    pane.tab.classList.toggle("on", on);
    pane.tab.setAttribute("aria-selected", on ? "true" : "false");
    if (on) {
      pane.unread = 0;
      renderBadge(pane);
    }
  }
}

function isShown(pane) {
  return pane.el.offsetParent !== null;
}

function renderBadge(pane) {
  const badge = pane.tab.querySelector(".badge");
  badge.hidden = pane.unread === 0;
  badge.textContent = String(pane.unread);
}

// ------------------------------------------------------------------------------ the chats
async function refreshChat(pane) {
  // One read at a time per chat; pushes that arrive meanwhile make one more read after it.
  if (pane.loading) {
    pane.again = true;
    return pane.loading;
  }
  pane.loading = (async () => {
    do {
      pane.again = false;
      try {
        pane.chat = await api("GET", `/api/chats/${pane.person.chat_id}`);
      } catch (e) {
        if (e instanceof Refused) showBanner(e.message);
        break;
      }
      renderChat(pane);
    } while (pane.again);
  })();
  try {
    await pane.loading;
  } finally {
    pane.loading = null;
  }
}

function keepBottom(pane) {
  // a picture that loads makes its message taller: stay at the newest if we were there
  if (pane.stuck) pane.messages.scrollTop = pane.messages.scrollHeight;
}

function nearBottom(box) {
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

function renderChat(pane) {
  translateStatic(pane.el);
  renderStatus(pane);
  const chat = pane.chat;
  if (!chat) return;
  const box = pane.messages;
  const stick = nearBottom(box);
  const shown = chat.messages.filter((m) => !m.deleted);
  const keep = new Set(shown.map((m) => m.id));
  for (const [id, item] of pane.rendered) {
    if (!keep.has(id)) {
      item.node.classList.add("gone");
      item.node.addEventListener("animationend", () => item.node.remove(), { once: true });
      setTimeout(() => item.node.remove(), 400);
      pane.rendered.delete(id);
    }
  }
  let before = null;
  let added = 0;
  for (let i = shown.length - 1; i >= 0; i--) {
    const m = shown[i];
    const sig = JSON.stringify(m) + state.lang;
    const item = pane.rendered.get(m.id);
    let node;
    if (item && item.sig === sig) node = item.node;
    else {
      node = renderMessage(pane, m);
      if (item) {
        item.node.replaceWith(node);
        if (m.edited) node.classList.add("flash");
      } else added += 1;
      pane.rendered.set(m.id, { sig, node });
    }
    if (before) {
      if (node.nextSibling !== before) box.insertBefore(node, before);
    } else if (node.parentNode !== box || node !== box.lastElementChild) {
      box.append(node);
    }
    before = node;
  }
  // What this person sent shows at once; the server's copy replaces it when the chat is re-read.
  const mine = shown.filter((m) => m.from === "me").length;
  pane.pending = pane.pending.filter((p) => {
    if (mine > p.mineBefore) {
      p.node.remove();
      return false;
    }
    box.append(p.node);
    return true;
  });
  let empty = box.querySelector(".empty");
  if (!shown.length && !pane.pending.length) {
    if (!empty) {
      empty = el("div", { class: "empty" });
      box.append(empty);
    }
    if (pane.person.kind === "group") {
      empty.replaceChildren(el("p", { text: t("group_empty") })); // a group has no Start button
    } else {
      empty.replaceChildren(el("p", { text: t("empty_chat") }),
        el("button", { type: "button", class: "start", onclick: () => send(pane, "/start") }, t("start")));
    }
  } else if (empty) empty.remove();
  if (added && (stick || pane.justSent)) box.scrollTop = box.scrollHeight;
  else if (stick) box.scrollTop = box.scrollHeight;
  pane.justSent = false;
  pane.stuck = nearBottom(box);
  if (added && pane.seen && state.active !== pane.person.chat_id) {
    pane.unread += added;
    renderBadge(pane);
  }
  renderReplyKeyboard(pane);
  renderForceReply(pane, shown);
  pane.seen = true;
}

function renderMessage(pane, m) {
  const mine = m.from === "me";
  const bubble = el("div", { class: "bubble" });
  if (!mine && m.from !== "bot" && pane.person.kind === "group") {
    bubble.append(el("div", { class: "from", text: m.from }));
  } else if (m.from === "bot" && pane.person.kind === "group") {
    bubble.append(el("div", { class: "from bot", text: "督办" }));
  }
  if (m.reply_to != null && pane.chat) {
    const quoted = pane.chat.messages.find((q) => q.id === m.reply_to);
    if (quoted && !quoted.deleted) {
      const who = quoted.from === "bot" ? "督办" : quoted.from === "me" ? pane.person.name : quoted.from;
      bubble.append(el("div", { class: "quote" }, el("div", { class: "quote-who", text: who }),
        el("div", { class: "snippet", text: htmlToText(quoted.html) || (quoted.photo ? t("photo") : quoted.location ? t("location") : "") })));
    }
  }
  const photos = m.photos && m.photos.length ? m.photos : m.photo ? [m.photo] : [];
  if (photos.length) {
    const album = el("div", { class: `photos n${Math.min(photos.length, 4)}` });
    for (const url of photos) {
      const img = el("img", { src: url, alt: t("photo") });
      img.addEventListener("load", () => keepBottom(pane), { once: true });
      album.append(el("a", { href: url, target: "_blank", rel: "noopener" }, img));
    }
    bubble.append(album);
  }
  if (m.location) bubble.append(locationCard(m.location));
  if (m.contact) {
    const c = m.contact;
    bubble.append(contactCard([c.first_name, c.last_name].filter(Boolean).join(" "), c.phone_number));
  }
  if (m.document) {
    bubble.append(
      el("a", { class: "document", href: m.document.url, download: m.document.name, title: t("download") },
        el("span", { class: "doc-icon" }, "⬇"), el("span", { class: "doc-name", text: m.document.name }))
    );
  }
  if (m.html) {
    const text = el("div", { class: "text" });
    text.innerHTML = m.html; // the server's safe HTML: Telegram's tags only, escaped
    for (const a of text.querySelectorAll("a[href]")) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    for (const s of text.querySelectorAll("tg-spoiler, span.tg-spoiler")) {
      s.addEventListener("click", () => s.classList.add("revealed"));
    }
    bubble.append(text);
  }
  const meta = el("span", { class: "meta" });
  if (m.edited) meta.append(el("span", { class: "edited", text: t("edited") }), " ");
  meta.append(m.at || "");
  bubble.append(meta);
  const node = el("div", { class: `msg ${mine ? "me" : "them"}`, dataset: { id: m.id } }, bubble);
  // Once risen into view it stays: a pane shown again (a tab) does not fade its messages in anew.
  node.addEventListener("animationend", (e) => {
    if (e.target === node && e.animationName === "rise") node.classList.add("settled");
  });
  if (m.buttons && m.buttons.length) node.append(inlineKeyboard(pane, m));
  return node;
}

function inlineKeyboard(pane, m) {
  const kb = el("div", { class: "inline-kb" });
  for (const row of m.buttons) {
    const line = el("div", { class: "kb-row" });
    for (const b of row) {
      if (b.url) {
        line.append(el("a", { class: "kb-button url", href: b.url, target: "_blank", rel: "noopener noreferrer" }, b.text));
      } else {
        const button = el("button", { type: "button", class: "kb-button" }, b.text);
        button.addEventListener("click", () => press(pane, m, b, button));
        line.append(button);
      }
    }
    kb.append(line);
  }
  return kb;
}

function locationCard(where) {
  const card = el("div", { class: "location-card" });
  const drawing = svg("svg", { viewBox: "0 0 240 120", class: "mini-map" });
  drawDistrict(drawing, 240, 120, false);
  const [x, y] = project(where.latitude, where.longitude, 240, 120);
  drawing.append(pin(x, y));
  card.append(drawing);
  const title = where.title ? `${where.title}` : t("location");
  card.append(
    el("div", { class: "location-text" }, el("div", { class: "card-title", text: title }),
      el("div", { class: "mono", text: `${Number(where.latitude).toFixed(5)}, ${Number(where.longitude).toFixed(5)}` }))
  );
  return card;
}

function contactCard(name, phone) {
  return el("div", { class: "contact-card" }, el("span", { class: "contact-icon" }, "👤"),
    el("div", {}, el("div", { class: "card-title", text: t("contact") }), el("div", { class: "contact-name", text: name || "" }),
      el("div", { class: "mono", text: phone || "" })));
}

function renderReplyBar(pane) {
  if (!pane.replyTo) {
    pane.replyBar.hidden = true;
    return;
  }
  const quoted = pane.chat && pane.chat.messages.find((m) => m.id === pane.replyTo);
  const snippet = quoted ? htmlToText(quoted.html).slice(0, 60) : "";
  pane.replyBar.hidden = false;
  pane.replyBar.replaceChildren(
    el("span", { class: "reply-mark" }, "↩"),
    el("div", {}, el("div", { class: "card-title", text: t("replying_to") }), el("div", { class: "snippet", text: snippet })),
    el("span", { class: "reply-close" }, "✕")
  );
}

function htmlToText(html) {
  const d = document.createElement("div");
  d.innerHTML = html || "";
  return d.textContent || "";
}

function renderForceReply(pane, shown) {
  const force = pane.chat.force_reply;
  const keyboard = pane.chat.reply_keyboard;
  let placeholder = t("message_placeholder");
  if (keyboard && keyboard.placeholder) placeholder = keyboard.placeholder;
  if (force) {
    const asker = [...shown].reverse().find((m) => m.from === "bot");
    const key = asker ? asker.id : null;
    if (force.placeholder) placeholder = force.placeholder;
    if (pane.forceKey !== key) {
      pane.forceKey = key;
      pane.replyTo = key;
      // the question just came: the input waits for the answer (as Telegram focuses it)
      if (pane.seen && isShown(pane)) pane.input.focus({ preventScroll: true });
    }
  } else if (pane.forceKey !== null) {
    pane.forceKey = null;
    pane.replyTo = null;
  }
  pane.input.placeholder = placeholder;
  renderReplyBar(pane);
}

function renderReplyKeyboard(pane) {
  const keyboard = pane.chat && pane.chat.reply_keyboard;
  pane.kbButton.hidden = !keyboard;
  pane.el.classList.toggle("has-keyboard", Boolean(keyboard) && !pane.keyboardHidden);
  if (!keyboard) {
    pane.replyKeyboard.hidden = true;
    pane.replyKeyboard.replaceChildren();
    pane.keyboardHidden = false;
    return;
  }
  pane.replyKeyboard.hidden = pane.keyboardHidden;
  const sig = JSON.stringify(keyboard);
  if (pane.replyKeyboard.dataset.sig === sig) return;
  pane.replyKeyboard.dataset.sig = sig;
  pane.replyKeyboard.replaceChildren(
    ...keyboard.rows.map((row) =>
      el("div", { class: "kb-row" },
        ...row.map((b) => {
          const label = typeof b === "string" ? b : b.text;
          const button = el("button", { type: "button", class: "reply-button" }, label);
          button.addEventListener("click", () => pressReply(pane, keyboard, typeof b === "string" ? { text: b } : b, button));
          return button;
        }))
    )
  );
}

// ------------------------------------------------------------------------------- acting
function toast(pane, text, kind = "") {
  const box = pane ? pane.toasts : document.body;
  const note = el("div", { class: `toast ${kind}`, role: "status", text });
  box.append(note);
  setTimeout(() => note.classList.add("leaving"), 2600);
  setTimeout(() => note.remove(), 3000);
}

async function openDashboard(person) {
  let opened;
  try {
    opened = await api("POST", `/api/chats/${person.chat_id}/dashboard`);
  } catch (e) {
    alertBox(e.message);
    return;
  }
  const dialog = document.getElementById("dashboard-dialog");
  document.getElementById("dashboard-who").textContent = person.name;
  const frame = document.getElementById("dashboard-frame");
  frame.src = opened.url;
  dialog.onclose = () => frame.removeAttribute("src"); // its refreshes stop with it
  translateStatic(dialog);
  if (!dialog.open) dialog.showModal();
}

function alertBox(text) {
  const dialog = document.getElementById("alert");
  document.getElementById("alert-text").textContent = text;
  translateStatic(dialog);
  if (!dialog.open) dialog.showModal();
}

function optimistic(pane, content) {
  const mineBefore = pane.chat ? pane.chat.messages.filter((m) => m.from === "me" && !m.deleted).length : 0;
  const bubble = el("div", { class: "bubble" }, content, el("span", { class: "meta" }, "🕓"));
  const node = el("div", { class: "msg me pending" }, bubble);
  pane.messages.querySelector(".empty")?.remove();
  pane.messages.append(node);
  pane.messages.scrollTop = pane.messages.scrollHeight;
  const item = { node, mineBefore };
  pane.pending.push(item);
  pane.justSent = true;
  return item;
}

function dropPending(pane, item) {
  item.node.remove();
  pane.pending = pane.pending.filter((p) => p !== item);
}

async function send(pane, text, replyTo) {
  const item = optimistic(pane, el("div", { class: "text", text }));
  const body = { text };
  if (replyTo) body.reply_to = replyTo;
  try {
    await api("POST", `/api/chats/${pane.person.chat_id}/send`, body);
  } catch (e) {
    dropPending(pane, item);
    toast(pane, e.message, "error");
    return false;
  }
  refreshChat(pane);
  return true;
}

async function sendTyped(pane) {
  const text = pane.input.value.trim();
  if (!text) return;
  closePopovers(pane);
  const replyTo = pane.replyTo;
  pane.input.value = "";
  pane.replyTo = null;
  pane.forceKey = pane.chat && pane.chat.force_reply ? pane.forceKey : null;
  renderReplyBar(pane);
  const sent = await send(pane, text, replyTo);
  if (!sent) {
    pane.input.value = text;
    pane.replyTo = replyTo;
    renderReplyBar(pane);
  }
}

async function press(pane, m, b, button) {
  button.classList.add("pressed"); // at once: the bot's answer takes as long as it takes
  button.disabled = true;
  try {
    const result = await api("POST", `/api/chats/${pane.person.chat_id}/press`, { message_id: m.id, data: b.data });
    const answer = result && result.answer;
    if (answer && answer.text) {
      if (answer.show_alert) alertBox(answer.text);
      else toast(pane, answer.text);
    }
  } catch (e) {
    toast(pane, e.message, "error");
  } finally {
    button.classList.remove("pressed");
    button.disabled = false;
  }
  refreshChat(pane);
}

async function pressReply(pane, keyboard, b, button) {
  button.classList.add("pressed");
  try {
    if (b.request_location) {
      openMap(pane);
    } else if (b.request_contact) {
      await sendContact(pane, null); // the person's own number, as Telegram's button shares
    } else {
      await send(pane, b.text);
    }
    if (keyboard.one_time && !b.request_location) pane.keyboardHidden = true;
  } finally {
    button.classList.remove("pressed");
  }
}

async function sendContact(pane, contact) {
  // `contact`: one of /api/state's contacts ({name, phone}), chosen from the 📎 menu; null: the
  // person's own card (the reply keyboard's "share contact")
  closePopovers(pane);
  const shown = contact ? contactCard(contact.name, contact.phone) : el("div", { class: "text", text: `👤 ${pane.person.name}` });
  const item = optimistic(pane, shown);
  try {
    await api("POST", `/api/chats/${pane.person.chat_id}/contact`, contact ? { name: contact.name, phone: contact.phone } : {});
  } catch (e) {
    dropPending(pane, item);
    toast(pane, e.message, "error");
  }
  refreshChat(pane);
}

async function sendPhoto(pane, what) {
  closePopovers(pane);
  const caption = pane.input.value.trim();
  const preview = what.file ? URL.createObjectURL(what.file) : what.url;
  const item = optimistic(pane, el("div", { class: "photos n1" }, el("img", { src: preview, alt: t("photo") })));
  let body;
  if (what.file) {
    body = new FormData();
    body.append("photo", what.file, what.file.name);
    if (caption) body.append("caption", caption);
  } else {
    body = { sample: what.sample };
    if (caption) body.caption = caption;
  }
  try {
    await api("POST", `/api/chats/${pane.person.chat_id}/photo`, body);
    pane.input.value = "";
  } catch (e) {
    dropPending(pane, item);
    toast(pane, e.message, "error");
  }
  refreshChat(pane);
}

async function setPersonLanguage(pane, code) {
  for (const b of pane.langs.querySelectorAll("button")) b.classList.toggle("on", b.dataset.lang === code);
  try {
    await api("POST", `/api/chats/${pane.person.chat_id}/language`, { language: code });
    pane.person.language = code;
    await loadState(); // the command menu is in the person's language now
  } catch (e) {
    toast(pane, e.message, "error");
    updatePaneHead(pane, pane.person);
  }
}

// ------------------------------------------------------------------------------ popovers
function closePopovers(pane) {
  pane.commandMenu.hidden = true;
  pane.attachMenu.hidden = true;
}

function openCommands(pane) {
  closePopovers(pane);
  renderCommands(pane);
  // the bot sets each person's menu as it learns who they are: read it afresh
  api("GET", "/api/state")
    .then((s) => {
      const fresh = (s.people || []).find((p) => p.chat_id === pane.person.chat_id);
      if (!fresh) return;
      pane.person.commands = fresh.commands;
      if (!pane.commandMenu.hidden || !(pane.person.commands || []).length) renderCommands(pane);
    })
    .catch(() => {});
}

function renderCommands(pane) {
  const commands = pane.person.commands || [];
  pane.commandMenu.replaceChildren(
    ...commands.map((c) =>
      el("button", { type: "button", class: "command", dataset: { command: c.command },
        onclick: () => {
          closePopovers(pane);
          pane.input.value = "";
          send(pane, `/${c.command}`);
        } },
        el("span", { class: "command-name", text: `/${c.command}` }), el("span", { class: "command-description", text: c.description }))
    )
  );
  pane.commandMenu.hidden = commands.length === 0;
}

function openAttach(pane) {
  closePopovers(pane);
  const items = state.samples.map((s) => {
    const key = s.key || s.url.split("/").pop().replace(/\.[^.]+$/, "");
    const name = s.names ? textOf(s.names) : s.name;
    return el("button", { type: "button", class: "sample", dataset: { sample: key }, onclick: () => sendPhoto(pane, { sample: key, url: s.url }) },
      el("img", { src: s.url, alt: "" }), el("span", { text: name }));
  });
  const upload = el("button", { type: "button", class: "sample upload" }, el("span", { class: "upload-icon" }, "⤒"), el("span", { text: t("upload") }));
  upload.addEventListener("click", () => {
    const input = document.getElementById("upload");
    input.value = "";
    input.onchange = () => {
      if (input.files && input.files[0]) sendPhoto(pane, { file: input.files[0] });
    };
    input.click();
  });
  const contacts = [];
  if (pane.person.kind !== "group" && state.contacts.length) {
    // a contact card is shared in a private chat only (as the bot asks for one there)
    contacts.push(el("div", { class: "attach-heading card-title", text: t("contact_card", null, "contact") }));
    for (const c of state.contacts) {
      contacts.push(
        el("button", { type: "button", class: "contact-choice", dataset: { contact: c.phone }, onclick: () => sendContact(pane, c) },
          el("span", { class: "contact-icon" }, "👤"),
          el("span", { class: "contact-choice-text" }, el("span", { class: "contact-name", text: c.name }), el("span", { class: "mono", text: c.phone })))
      );
    }
  }
  pane.attachMenu.replaceChildren(...items, upload, ...contacts);
  pane.attachMenu.hidden = false;
}

// ----------------------------------------------------------------------------------- map
function bounds() {
  const m = state.map;
  if (m && m.north > m.south && m.east > m.west) return m;
  if (state.places.length) {
    const lats = state.places.map((p) => p.latitude);
    const lons = state.places.map((p) => p.longitude);
    return { south: Math.min(...lats) - 0.01, north: Math.max(...lats) + 0.01, west: Math.min(...lons) - 0.01, east: Math.max(...lons) + 0.01 };
  }
  return { south: 30.5, north: 30.7, west: 114.2, east: 114.4 };
}

function project(lat, lon, w, h) {
  const b = bounds();
  return [((lon - b.west) / (b.east - b.west)) * w, ((b.north - lat) / (b.north - b.south)) * h];
}

function unproject(x, y, w, h) {
  const b = bounds();
  return [b.north - (y / h) * (b.north - b.south), b.west + (x / w) * (b.east - b.west)];
}

function drawDistrict(drawing, w, h, labels) {
  drawing.append(svg("rect", { x: 0, y: 0, width: w, height: h, class: "land" }));
  // a river and a few streets: drawn, not fetched; the same every time for the same size
  drawing.append(svg("path", { d: `M0 ${h * 0.78} C ${w * 0.3} ${h * 0.62}, ${w * 0.55} ${h * 0.98}, ${w} ${h * 0.7}`, class: "river" }));
  for (let i = 1; i < 6; i++) {
    drawing.append(svg("line", { x1: (w * i) / 6, y1: 0, x2: (w * i) / 6 + w * 0.04, y2: h, class: i % 3 ? "street" : "avenue" }));
  }
  for (let i = 1; i < 4; i++) {
    drawing.append(svg("line", { x1: 0, y1: (h * i) / 4, x2: w, y2: (h * i) / 4 - h * 0.03, class: i === 2 ? "avenue" : "street" }));
  }
  for (const p of state.places) {
    const [x, y] = project(p.latitude, p.longitude, w, h);
    drawing.append(svg("circle", { cx: x, cy: y, r: labels ? 5 : 3, class: "place" }));
    if (labels) {
      const label = svg("text", { x: x + 7, y: y + 4, class: "place-label" });
      label.textContent = p.name;
      drawing.append(label);
    }
  }
}

function pin(x, y) {
  const g = svg("g", { class: "pin", transform: `translate(${x} ${y})` });
  g.append(svg("path", { d: "M0 0 C -7 -10, -9 -14, -9 -18 A 9 9 0 1 1 9 -18 C 9 -14, 7 -10, 0 0 Z" }));
  g.append(svg("circle", { cx: 0, cy: -18, r: 3.5, class: "pin-dot" }));
  return g;
}

function openMap(pane) {
  const dialog = document.getElementById("map-dialog");
  const drawing = document.getElementById("map");
  const picked = document.getElementById("map-picked");
  const sendButton = document.getElementById("map-send");
  const W = 400;
  const H = 300;
  let choice = null;
  drawing.replaceChildren();
  drawDistrict(drawing, W, H, true);
  const marker = svg("g");
  drawing.append(marker);
  const choose = (c) => {
    choice = c;
    marker.replaceChildren(pin(...project(c.latitude, c.longitude, W, H)));
    picked.textContent = `${c.title ? c.title + " · " : ""}${c.latitude.toFixed(5)}, ${c.longitude.toFixed(5)}`;
    sendButton.disabled = false;
    for (const b of document.querySelectorAll("#map-places button")) b.classList.toggle("on", b.dataset.name === c.title);
  };
  drawing.onclick = (e) => {
    const box = drawing.getBoundingClientRect();
    const x = ((e.clientX - box.left) / box.width) * W;
    const y = ((e.clientY - box.top) / box.height) * H;
    const [latitude, longitude] = unproject(x, y, W, H);
    choose({ latitude: Math.round(latitude * 1e6) / 1e6, longitude: Math.round(longitude * 1e6) / 1e6 });
  };
  document.getElementById("map-places").replaceChildren(
    ...state.places.map((p) =>
      el("button", { type: "button", class: "place-choice", dataset: { name: p.name },
        onclick: () => choose({ latitude: p.latitude, longitude: p.longitude, title: p.name, address: p.address || p.name }) }, p.name))
  );
  picked.textContent = "";
  sendButton.disabled = true;
  translateStatic(dialog);
  dialog.onclose = async () => {
    if (dialog.returnValue !== "send" || !choice) return;
    const item = optimistic(pane, locationCard(choice));
    try {
      await api("POST", `/api/chats/${pane.person.chat_id}/location`, choice);
    } catch (e) {
      dropPending(pane, item);
      toast(pane, e.message, "error");
    }
    refreshChat(pane);
  };
  dialog.returnValue = "";
  dialog.showModal();
}

// ----------------------------------------------------------------------------- the clock
async function moveClock(move, button) {
  if (move === "deadline" && state.clock && !state.clock.next_deadline) {
    await refreshClock(); // what the page knows may be a moment old
    if (!state.clock.next_deadline) {
      toast(null, t("clock_no_deadline"));
      return;
    }
  }
  button.classList.add("pressed");
  try {
    const clock = await api("POST", "/api/clock", { move });
    setClock(clock && clock.clock ? clock.clock : clock);
  } catch (e) {
    toast(null, e.message, "error");
  } finally {
    button.classList.remove("pressed");
  }
}

async function reset() {
  const dialog = document.getElementById("confirm-reset");
  translateStatic(dialog);
  dialog.returnValue = "";
  dialog.onclose = async () => {
    if (dialog.returnValue !== "reset") return;
    document.body.classList.add("resetting");
    try {
      await api("POST", "/api/reset", {});
      await reloadAll();
    } catch (e) {
      toast(null, e.message, "error");
    } finally {
      document.body.classList.remove("resetting");
    }
  };
  dialog.showModal();
}

async function reloadAll() {
  for (const pane of state.byChat.values()) {
    pane.chat = null;
    pane.rendered.clear();
    pane.pending = [];
    pane.messages.replaceChildren();
    pane.forceKey = null;
    pane.replyTo = null;
  }
  await loadState();
  await Promise.all([...state.byChat.values()].map(refreshChat));
  await refreshDrill();
}

// ---------------------------------------------------------------------------- the drills
async function refreshDrill() {
  if (!state.drills.length) {
    state.drillsAvailable = false;
    renderDrills();
    return;
  }
  try {
    state.drill = await api("GET", "/api/drills/current");
    state.drillsAvailable = true;
  } catch (e) {
    state.drillsAvailable = false; // the drills are not served (yet): the panel stays hidden
  }
  renderDrills();
}

function renderDrills() {
  const panel = document.getElementById("drills");
  const list = document.getElementById("drill-list");
  const current = document.getElementById("drill-current");
  panel.hidden = !state.drillsAvailable;
  const drillTab = document.querySelector(".drills-tab");
  if (drillTab) drillTab.hidden = !state.drillsAvailable;
  document.body.classList.toggle("with-drills", state.drillsAvailable);
  if (!state.drillsAvailable) return;
  translateStatic(panel);
  const running = state.drill;
  list.replaceChildren(
    ...state.drills.map((d) => {
      const on = running && running.id === d.id;
      const label = on ? t("drill_restart") : t("drill_start");
      return el("div", { class: `drill ${on ? "on" : ""}`, dataset: { drill: d.id } },
        el("span", { class: "drill-title", text: textOf(d.title) }),
        el("button", { type: "button", class: "drill-start", onclick: (e) => startDrill(d.id, e.currentTarget) }, label));
    })
  );
  if (!running) {
    current.hidden = true;
    return;
  }
  current.hidden = false;
  const nameOf = (key) => (state.people.find((p) => p.key === key) || {}).name || key;
  const steps = el("ol", { class: "steps" },
    ...running.steps.map((s) =>
      el("li", { class: s.done ? "done" : "" },
        el("span", { class: "tick" }, s.done ? "✓" : ""),
        el("span", { class: "step-text", text: textOf(s.text) }),
        s.who ? el("span", { class: "who", text: nameOf(s.who) }) : null)));
  const parts = [
    el("h3", { text: textOf(running.title) }),
    el("div", { class: "card-title", text: t("drill_task") }),
    el("p", { class: "task", text: textOf(running.task) }),
    el("div", { class: "card-title", text: t("drill_steps") }),
    steps,
  ];
  const mistakesList = (mistakes) =>
    // plain text from the server: shown as text, never as HTML
    el("ul", { class: "mistakes" }, ...mistakes.map((m) => el("li", { text: textOf(m) })));
  if (running.finished) {
    const summary = running.summary || { seconds: 0, mistakes: [] };
    const mistakes = summary.mistakes || [];
    // The trainee's real time; the bot's clock (moved by the clock's buttons) beside it when
    // it moved otherwise. A server without real_seconds gives the bot's clock's only.
    const clock = Math.max(0, Math.round(summary.seconds || 0));
    const real = summary.real_seconds == null ? clock : Math.max(0, Math.round(summary.real_seconds));
    const times = [
      el("div", { class: "summary-time", text: t("drill_real_time", { minutes: Math.floor(real / 60), seconds: real % 60 }, "drill_time") }),
    ];
    if (summary.real_seconds != null && Math.abs(clock - real) > 60) {
      const hours = Math.floor(clock / 3600);
      times.push(el("div", { class: "summary-clock", text: t("drill_clock_time", { hours, minutes: Math.floor((clock % 3600) / 60) }) }));
    }
    parts.push(
      el("div", { class: "summary" },
        el("div", { class: "summary-title", text: `🏁 ${t("drill_finished")}` }),
        ...times,
        el("div", { class: "card-title", text: t("drill_mistakes") }),
        mistakes.length ? mistakesList(mistakes) : el("p", { class: "no-mistakes", text: t("drill_no_mistakes") }))
    );
  } else {
    // The mistakes made so far, as they happen; a step taken wrongly may leave the drill stuck.
    const mistakes = Array.isArray(running.mistakes) ? running.mistakes : [];
    const so = el("div", { class: `so-far ${mistakes.length ? "with-mistakes" : ""}` },
      el("div", { class: "card-title", text: t("drill_mistakes_so_far", null, "drill_mistakes") }));
    if (mistakes.length) so.append(mistakesList(mistakes), el("p", { class: "stuck-hint", text: t("drill_stuck_hint") }));
    else so.append(el("p", { class: "no-mistakes", text: t("drill_no_mistakes") }));
    parts.push(so);
  }
  current.replaceChildren(...parts);
  current.classList.toggle("finished", Boolean(running.finished));
}

async function startDrill(id, button) {
  button.classList.add("pressed");
  try {
    state.drill = await api("POST", `/api/drills/${id}/start`, {});
    renderDrills();
  } catch (e) {
    toast(null, e.message, "error");
  } finally {
    button.classList.remove("pressed");
  }
}

// ---------------------------------------------------------------------------- live pushes
let socket = null;
let retry = 500;

function showBanner(text) {
  const banner = document.getElementById("banner");
  banner.textContent = text;
  banner.hidden = !text;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/api/live`);
  let opened = false;
  socket.onopen = () => {
    opened = true;
    retry = 500;
    showBanner("");
    document.body.dataset.live = "on";
  };
  socket.onmessage = (event) => {
    let push;
    try {
      push = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    onPush(push);
  };
  socket.onclose = () => {
    document.body.dataset.live = "off";
    if (opened) reloadAll().catch(() => {}); // pushes missed while away: read everything again
    showBanner(t("offline"));
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 8000);
  };
}

let clockTimer = null;

function refreshClock() {
  return api("GET", "/api/state").then((s) => setClock(s.clock)).catch(() => {});
}

function refreshClockSoon() {
  // once a burst of changes is over
  clearTimeout(clockTimer);
  clockTimer = setTimeout(refreshClock, 400);
}

function onPush(push) {
  switch (push.type) {
    case "chat": {
      const pane = state.byChat.get(push.chat_id);
      if (pane) refreshChat(pane);
      refreshClockSoon(); // a new issue, or one accepted, has a deadline of its own
      break;
    }
    case "clock":
      refreshClock();
      break;
    case "drill":
      refreshDrill();
      break;
    case "reset":
      reloadAll().catch(() => {});
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------- start
function setPageLanguage(code) {
  state.lang = code;
  localStorage.setItem("duban-playground-lang", code);
  translateStatic();
  setClock(state.clock);
  for (const pane of state.byChat.values()) {
    renderChat(pane);
    renderStatus(pane);
  }
  renderDrills();
}

async function start() {
  for (const b of document.querySelectorAll("[data-page-lang]")) {
    b.addEventListener("click", () => setPageLanguage(b.dataset.pageLang));
  }
  for (const b of document.querySelectorAll(".clock-move")) b.addEventListener("click", () => moveClock(b.dataset.move, b));
  document.getElementById("reset").addEventListener("click", reset);
  document.addEventListener("click", (e) => {
    for (const pane of state.byChat.values()) {
      if (!pane.el.contains(e.target) || e.target.closest(".composer, .popover") == null) closePopovers(pane);
    }
  });
  connect();
  await loadState();
  await Promise.all([...state.byChat.values()].map(refreshChat));
  await refreshDrill();
  document.body.dataset.ready = "yes";
}

start().catch((e) => showBanner(e.message || t("failed")));
