// The participant ballot, drawn in the browser and talking to the app's own routes (phone_routes.py).
// The page sends the first view; every tap then goes to POST /api/vote with the count that was on
// screen ("shown"), so a tap that reaches the server twice (a retry after a lost answer, a tap kept
// while offline) is counted once. Taps wait in a queue, in memory and in sessionStorage, until the
// server has answered: a tap made while the venue Wi-Fi is down is sent when it comes back.
// One stream per page from GET /api/feed tells every ballot when a phase changes: when voting opens,
// the ballot fetches itself at once instead of waiting for the page to be redrawn.
// Participant text is only ever set with textContent.
const RETRY_MS = [1000, 2000, 4000, 8000];  // after a failed send; the browser's "online" retries at once
const states = new Map();  // question -> its ballot's state, kept across redraws of the page
let feed = null;  // the page's one feed (a stream)
let online = true;

const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
};
const dots = (filled, total) => "●".repeat(filled) + "○".repeat(Math.max(0, total - filled));
const isCount = (value) => Number.isInteger(value) && value >= 0;
const isTap = (tap) => tap && isCount(tap.priority) && isCount(tap.shown) && ["add", "remove"].includes(tap.action);

// ---------------------------------------------------------------- the queue, kept per tab
// sessionStorage, not localStorage: a second tab replaying this tab's taps could undo its later ones.
const storageKey = (state) => `hub-taps:${state.token}:${state.question}`;
function loadQueue(state) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(storageKey(state)) || "[]");
    return Array.isArray(saved) ? saved.filter(isTap) : [];
  } catch (error) {
    return [];
  }
}
function saveQueue(state) {
  try {
    if (state.queue.length) sessionStorage.setItem(storageKey(state), JSON.stringify(state.queue));
    else sessionStorage.removeItem(storageKey(state));
  } catch (error) {
    // storage full or disabled: the queue still lives in memory for this page
  }
}

// ---------------------------------------------------------------- talking to the server
function ask(state, url, options = {}) {
  return fetch(url, { ...options, cache: "no-store", credentials: "same-origin",
                      headers: { ...(options.headers || {}), "X-Hub-Token": state.token } });
}

function setOnline(value) {
  if (online === value) return;
  online = value;
  for (const state of states.values()) draw(state);
}

async function pump(state) {
  if (state.sending || state.retryTimer || (!state.queue.length && !state.wantRefresh)) return;
  state.sending = true;
  const tap = state.queue[0];
  let retryIn = 0;
  try {
    const response = tap
      ? await ask(state, state.endpoints.vote, { method: "POST", headers: { "Content-Type": "application/json" },
                 body: JSON.stringify({ question: state.question, ...tap }) })
      : await ask(state, `${state.endpoints.ballot}?q=${encodeURIComponent(state.question)}`);
    const body = await response.json().catch(() => null);
    setOnline(true);
    if (response.status === 429 || response.status >= 500 || !body) {
      // Busy, too fast, or a proxy between us and the app: nothing was saved, so keep the tap (and say why).
      state.failures += 1;
      if (body && body.error) state.error = body.error;
      retryIn = 1000 * Number(response.headers.get("Retry-After")) || RETRY_MS[Math.min(state.failures, RETRY_MS.length) - 1];
    } else {
      state.failures = 0;
      if (tap) {
        state.queue.shift();
        state.lastSaved = response.ok ? tap.priority : null;
      }
      state.wantRefresh = false;  // any answer carries the ballot as it is now
      // A refusal because voting closed needs no words of its own: the ballot says "Voting has closed."
      const closed = body.phase && body.phase !== "voting";
      state.error = response.ok || closed ? null : body.error || null;
      if (response.status === 404 && !body.phase) state.queue = [];  // the link is no longer valid
      adopt(state, body);
    }
  } catch (error) {  // no connection: keep the tap and say so
    setOnline(false);
    state.failures += 1;
    retryIn = RETRY_MS[Math.min(state.failures, RETRY_MS.length) - 1];
  } finally {
    state.sending = false;
    saveQueue(state);
    draw(state);
  }
  if (retryIn) {
    state.retryTimer = setTimeout(() => { state.retryTimer = null; pump(state); }, retryIn);
  } else {
    pump(state);
  }
}

function adopt(state, body) {
  if (body.phase) state.phase = body.phase;
  if (body.ballot) state.view = body.ballot;  // none once voting closed: keep the last one, its buttons stopped
  if (Array.isArray(body.results)) {  // this page's results list shows the new counts at once (results.js)
    window.dispatchEvent(new CustomEvent("hub-results", { detail: { question: state.question, rows: body.results } }));
  }
  hideStale(state);
}

function retryNow() {
  for (const state of states.values()) {
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    pump(state);
  }
  if (feed) feed.wake();
}
window.addEventListener("online", () => { setOnline(true); retryNow(); });
window.addEventListener("offline", () => setOnline(false));

// ---------------------------------------------------------------- the page's feed
// One stream per page (GET /api/feed): the workshop's phases, and while voting with live results the
// room's tallies, which this page's results lists draw (results.js, "hub-feed" events).
const QUIET_MS = 45000;  // the server writes at least every 20 s; silence this long means a dead connection

function follow(state, endpoint) {
  if (!feed || feed.token !== state.token) {
    feed = { token: state.token, ballots: new Set(), wake: () => {} };
    runFeed(feed, endpoint);  // after the assignment: the loop runs while it is the page's feed
  }
  feed.ballots.add(state.question);
}

function runFeed(mine, endpoint) {
  const token = mine.token;
  const onMessage = (news) => {
    for (const question of mine.ballots) onPhase(states.get(question), (news.phases || {})[String(question)]);
    for (const [question, rows] of Object.entries(news.results || {})) {
      window.dispatchEvent(new CustomEvent("hub-feed", { detail: { question: Number(question), rows } }));
    }
  };
  (async () => {
    let failures = 0;
    while (feed === mine) {
      const abort = new AbortController();
      let quiet = setTimeout(() => abort.abort(), QUIET_MS);
      try {
        const response = await fetch(endpoint, { cache: "no-store", headers: { "X-Hub-Token": token }, signal: abort.signal });
        if (response.status === 404) return;  // not a participant any more
        if (!response.ok || !response.body) throw new Error(`feed answered ${response.status}`);
        setOnline(true);
        failures = 0;
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          clearTimeout(quiet);
          quiet = setTimeout(() => abort.abort(), QUIET_MS);
          buffer += decoder.decode(value, { stream: true });
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {  // server-sent events: "data: {...}" blocks
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (block.startsWith("data: ")) onMessage(JSON.parse(block.slice(6)));
          }
        }
      } catch (error) {
        if (!navigator.onLine || error.name === "TypeError") setOnline(false);
        failures += 1;
      } finally {
        clearTimeout(quiet);
      }
      // Open a new stream; after a failure, wait first (coming back online cuts the wait short).
      if (failures) {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, RETRY_MS[Math.min(failures, RETRY_MS.length) - 1]);
          mine.wake = () => { clearTimeout(timer); resolve(); };
        });
      }
    }
  })();
}

function onPhase(state, phase) {
  if (!state || !phase || phase === state.phase) return;
  state.phase = phase;
  if (phase === "voting") {  // voting opened: fetch the ballot now, the page's redraw follows later
    state.wantRefresh = true;
    pump(state);
  }
  hideStale(state);
  draw(state);
}

// The page below the ballot was drawn for the collecting phase (the submission form): once the
// phase has moved on, hide it until the page's own redraw replaces it.
function hideStale(state) {
  const id = `hub-hide-${state.question}`;
  const stale = state.pagePhase === "collecting" && state.phase !== "collecting";
  let style = document.getElementById(id);
  if (stale && !style) {
    style = el("style");
    style.id = id;
    style.textContent = `.${CSS.escape(state.hide)} { display: none !important; }`;
    document.head.append(style);
  } else if (!stale && style) {
    style.remove();
  }
}

// ---------------------------------------------------------------- drawing
function shownCounts(state) {
  const mine = new Map(state.view.items.map((item) => [item.id, item.mine]));
  let left = state.view.left;
  const pending = new Map();
  for (const tap of state.queue) {  // taps not yet answered are drawn as done
    const step = tap.action === "add" ? 1 : -1;
    mine.set(tap.priority, (mine.get(tap.priority) || 0) + step);
    pending.set(tap.priority, (pending.get(tap.priority) || 0) + 1);
    left -= step;
  }
  return { mine, pending, left: Math.max(0, Math.min(state.view.budget, left)) };
}

function tap(state, item, action) {
  const { mine, left } = shownCounts(state);
  const shown = mine.get(item.id) || 0;
  if (action === "add" ? left === 0 || shown >= state.view.cap : shown === 0) return;
  state.queue.push({ priority: item.id, action, shown });
  state.error = null;
  saveQueue(state);
  draw(state);
  pump(state);
}

// Drawn once per ballot (its items and language), then updated in place: a redraw never replaces
// the button under a finger, so no tap is lost to a status change arriving mid-touch.
function draw(state) {
  const root = state.root;
  if (!root || !root.isConnected) return;
  if (!state.view) {  // not voting (yet): nothing to draw, the page shows the phase
    root.replaceChildren();
    state.built = null;
    return;
  }
  const shape = JSON.stringify([state.view.labels, state.view.cap, state.view.items.map(
    (item) => [item.id, item.title, item.theme, item.details])]);
  if (!state.built || state.built.shape !== shape || !root.contains(state.built.budget)) build(state, shape);
  update(state);
}

function build(state, shape) {
  const { root, view } = state;
  const labels = view.labels;
  const active = document.activeElement;
  const focused = active && root.contains(active) ? active.dataset.focusKey : null;
  const budget = el("div", "hub-budget");
  budget.setAttribute("aria-live", "polite");
  const line = el("strong");
  const symbols = el("span", "hub-symbols");
  const offline = el("p", "hub-offline", labels.offline);  // in the sticky bar: seen while scrolling
  budget.append(line, " ", symbols, offline);
  const closed = el("p", "hub-closed", labels.closed);
  const error = el("p", "hub-error");
  error.setAttribute("role", "alert");
  const parts = [budget, closed, error];
  if (!view.items.length) parts.push(el("p", "hub-empty", labels.empty));
  const list = el("ul", "hub-items");
  const items = new Map();
  for (const item of view.items) {
    const li = el("li", "hub-item");
    li.dataset.priority = String(item.id);
    const titleId = `hub-title-${state.question}-${item.id}`;
    const title = el("p", "hub-title", item.title);
    title.id = titleId;
    li.append(title);
    if (item.theme) li.append(el("p", "hub-theme", item.theme));
    if (item.details) {
      const details = el("details", "hub-details");
      details.append(el("summary", null, labels.details), el("p", "hub-details-text", item.details));
      li.append(details);
    }
    const row = el("div", "hub-row");
    const mine = el("span", "hub-mine");
    mine.setAttribute("role", "img");
    row.append(mine);
    const buttons = {};
    for (const [action, label, sign] of [["remove", labels.remove, "−"], ["add", labels.add, "+"]]) {
      const button = el("button", `hub-${action}`);
      button.type = "button";
      button.dataset.focusKey = `${action}-${item.id}`;
      button.setAttribute("aria-describedby", titleId);
      button.setAttribute("aria-label", label);  // also when a narrow screen shows only the sign
      const icon = el("span", "hub-sign", sign);
      icon.setAttribute("aria-hidden", "true");
      button.append(icon, el("span", "hub-label", label));
      button.addEventListener("click", () => tap(state, item, action));
      row.append(button);
      buttons[action] = button;
    }
    const status = el("p", "hub-status");  // each tap says whether it is stored yet
    status.setAttribute("role", "status");
    li.append(row, status);
    list.append(li);
    items.set(item.id, { mine, status, ...buttons });
  }
  parts.push(list);
  root.replaceChildren(...parts);
  state.built = { shape, budget, line, symbols, offline, closed, error, items };
  if (focused) {  // keyboard users keep their place
    const again = root.querySelector(`[data-focus-key="${focused}"]`);
    if (again) again.focus();
  }
}

function update(state) {
  const { view, built } = state;
  const labels = view.labels;
  const open = state.phase === "voting";
  const { mine, pending, left } = shownCounts(state);
  const setText = (node, text) => { if (node.textContent !== text) node.textContent = text; };
  setText(built.line, labels.lines[left] || "");
  setText(built.symbols, dots(view.budget - left, view.budget));
  built.offline.hidden = online;
  built.closed.hidden = open;
  built.error.hidden = !state.error;
  setText(built.error, state.error || "");
  for (const [id, parts] of built.items) {
    const count = mine.get(id) || 0;
    setText(parts.mine, dots(count, view.cap));
    parts.mine.setAttribute("aria-label", labels.mine.replace("{n}", count).replace("{cap}", view.cap));
    parts.remove.disabled = !open || count === 0;
    parts.add.disabled = !open || left === 0 || count >= view.cap;
    const saving = pending.has(id);
    const saved = !saving && state.lastSaved === id;
    parts.status.hidden = !saving && !saved;
    parts.status.className = `hub-status ${saving ? "hub-saving" : "hub-saved"}`;
    setText(parts.status, saving ? labels.saving : saved ? labels.saved : "");
  }
}

// ---------------------------------------------------------------- the element
export default function (component) {
  const { data, parentElement } = component;
  const root = parentElement.querySelector(".hub-ballot");
  if (!root || !data) return;
  let state = states.get(data.question);
  if (!state || state.token !== data.token) {
    state = { question: data.question, token: data.token, queue: [], failures: 0, view: null };
    state.queue = loadQueue(state);  // taps this tab kept before a reload
    states.set(data.question, state);
  } else if (data.phase === "voting") {
    state.wantRefresh = true;  // a redraw of the page: make sure no older count stays on screen
  }
  Object.assign(state, { root, endpoints: data.endpoints, hide: data.hide, pagePhase: data.phase, phase: data.phase });
  if (!state.queue.length && !state.sending) state.view = data.ballot;
  else if (data.ballot) state.view = state.view || data.ballot;
  if (!state.view && data.phase === "voting") state.wantRefresh = true;
  hideStale(state);
  draw(state);
  follow(state, data.endpoints.feed);
  pump(state);
}
