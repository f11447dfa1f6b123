// The projector's ranking, drawn in the browser as an ordered list of bars (participant text only via
// textContent). The list and its rows stay on the page across updates, so a new dot makes its bar grow
// smoothly (a CSS transition on the width) and a bar that changes rank slides to its new place: the
// animation is the browser's work, the server only sends up to ten small rows a second.
// The list fills the height left on the screen: it measures itself and shows as many rows as fit with
// two-line titles (one line on a very short screen), so 1920×1080 and 1280×720 never scroll.
const ROW_MIN = 54;       // px: a row with two lines of 17 px text
const ROW_MIN_ONE = 34;   // px: a row with one line
const ROW_MAX = 112;      // px: the tallest row, with two lines of 30 px text
const MIN_ROWS_TWO = 6;   // fewer rows than this with two lines: use one line instead
const BOTTOM = 14;        // px kept free under the list
const views = new WeakMap();  // root element -> {rows: Map(id -> li)}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function fit(root, list, caption, data) {
  const rows = [...list.children];
  const top = list.getBoundingClientRect().top;
  const room = Math.max(ROW_MIN_ONE, window.innerHeight - top - BOTTOM - caption.offsetHeight);
  let lines = 2;
  let shown = Math.min(rows.length, Math.floor(room / ROW_MIN));
  if (shown < Math.min(rows.length, MIN_ROWS_TWO)) {
    lines = 1;
    shown = Math.min(rows.length, Math.floor(room / ROW_MIN_ONE));
  }
  shown = Math.max(1, shown);
  // Sizes are made for 1080 px and shrink with a lower screen, so 720 px looks the same, only smaller.
  const scale = Math.min(1, window.innerHeight / 1080);
  const rowHeight = Math.min(Math.round(ROW_MAX * scale), Math.floor(room / shown));  // a few bars stay bars
  // Text grows with the room: about a third of a row for two lines, half a row for one, 16–30 px.
  const font = Math.max(16, Math.min(Math.round(30 * scale), Math.floor(rowHeight / (lines === 2 ? 2.9 : 1.8))));
  root.style.setProperty("--hub-row", `${rowHeight}px`);
  root.style.setProperty("--hub-font", `${font}px`);
  root.style.setProperty("--hub-lines", String(lines));
  rows.forEach((row, index) => { row.hidden = index >= shown; });
  for (const row of rows) if (!row.hidden) shorten(row.querySelector(".hub-bars-title"));
  const total = data.total;
  caption.textContent = shown < total ? data.labels.top.replace("{n}", shown).replace("{total}", total) : "";
}

// A title longer than its lines ends in "…" (CSS line-clamp hides the ellipsis of right-aligned text).
function shorten(title) {
  const full = title.dataset.full || "";
  title.textContent = full;
  // Glyphs may reach a pixel or two past their line box: only a whole hidden line is too long.
  const slack = parseFloat(getComputedStyle(title).lineHeight) / 2 || 8;
  const fits = () => title.scrollHeight < title.clientHeight + slack;
  if (fits()) return;
  let low = 0, high = full.length;
  while (low < high) {  // the longest start of the title that fits with "…" after it
    const mid = Math.ceil((low + high) / 2);
    title.textContent = full.slice(0, mid).trimEnd() + "…";
    if (fits()) low = mid; else high = mid - 1;
  }
  const cut = full.slice(0, low);
  const space = cut.lastIndexOf(" ");
  title.textContent = (space > low - 16 && space > 0 ? cut.slice(0, space) : cut).trimEnd() + "…";
}

export default function ({ parentElement, data }) {
  const root = parentElement.querySelector(".hub-bars");
  if (!root || !data) return;
  let view = views.get(root);
  if (!view) {
    view = { rows: new Map(), legend: el("ul", "hub-bars-legend"), list: el("ol", "hub-bars-list"),
             caption: el("p", "hub-bars-caption") };
    view.list.setAttribute("aria-label", data.labels.list);
    root.replaceChildren(view.legend, view.list, view.caption);
    views.set(root, view);
  }
  view.legend.replaceChildren(...(data.legend.length > 1 ? data.legend : []).map((item) => {
    const li = el("li", "hub-bars-key");
    const swatch = el("span", "hub-bars-swatch");
    swatch.style.background = item.colour;
    li.append(swatch, el("span", null, item.name));
    return li;
  }));
  // Where each row was and how long its bar was, to animate from there (a moved node loses its transition).
  const before = new Map([...view.rows].map(([id, li]) => [id, {
    top: li.getBoundingClientRect().top, width: li.querySelector(".hub-bars-bar").style.width }]));
  const most = Math.max(1, ...data.rows.map((row) => row.dots));
  const keep = new Set();
  const widths = new Map();
  const ordered = data.rows.map((row) => {
    const id = String(row.id);
    keep.add(id);
    let li = view.rows.get(id);
    if (!li) {
      li = el("li", "hub-bars-row");
      li.dataset.id = id;
      const label = el("span", "hub-bars-label");
      label.append(el("span", "hub-bars-title"));
      li.append(label, el("span", "hub-bars-track"));
      li.lastChild.append(el("span", "hub-bars-bar"), el("span", "hub-bars-value"));
      view.rows.set(id, li);
    }
    const title = li.querySelector(".hub-bars-title");
    title.dataset.full = `${row.rank}. ${row.title}`;
    title.textContent = title.dataset.full;
    li.querySelector(".hub-bars-bar").style.background = row.colour;
    li.querySelector(".hub-bars-value").textContent = String(row.dots);
    li.setAttribute("aria-label", `${row.rank}. ${row.title}: ${row.value_label}`);
    widths.set(li, `${(88 * row.dots) / most}%`);
    return li;
  });
  for (const [id, li] of view.rows) if (!keep.has(id)) { li.remove(); view.rows.delete(id); }
  const current = [...view.list.children];
  if (current.length !== ordered.length || current.some((li, i) => li !== ordered[i])) {
    view.list.replaceChildren(...ordered);  // the reading order stays the rank order
  }
  fit(root, view.list, view.caption, data);
  for (const li of ordered) {  // start each bar where it was (0 for a new one) ...
    const was = before.get(li.dataset.id);
    li.querySelector(".hub-bars-bar").style.width = was ? was.width : "0%";
    const shift = was && !li.hidden ? was.top - li.getBoundingClientRect().top : 0;
    li.style.transition = "none";
    li.style.transform = Math.abs(shift) >= 1 ? `translateY(${shift}px)` : "";
  }
  void view.list.offsetHeight;  // ... let the browser take that as the starting point ...
  for (const li of ordered) {   // ... and glide to the new length and place
    li.style.transition = "";
    li.style.transform = "";
    li.querySelector(".hub-bars-bar").style.width = widths.get(li);
  }
  const refit = () => fit(root, view.list, view.caption, view.data);
  view.data = data;
  if (!view.listening) {
    window.addEventListener("resize", refit);
    view.listening = true;
    view.unlisten = () => { window.removeEventListener("resize", refit); view.listening = false; };
  }
  return () => { if (view.unlisten) view.unlisten(); };
}
