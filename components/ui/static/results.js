// A participant's results, drawn in the browser. While voting is live they follow the room without a
// request of their own: the ballot's feed (ballot.js, GET /api/feed) hands on the room's tallies
// ("hub-feed", about once a second) and the answer to each of this phone's taps ("hub-results", with
// its own dots). Participant text is only ever set with textContent.
export default function (component) {
  const { data, parentElement } = component;
  const root = parentElement.querySelector(".hub-results-root");
  if (!root || !data) return;
  // This phone's dots per priority: the room's tallies carry nobody's own dots.
  const mine = new Map(data.rows.map((row) => [row.id, row.mine]));
  draw(root, data, data.rows);
  if (!data.live) return;

  const onAnswer = (event) => {  // a tap on this page was answered: its results, own dots included
    if (event.detail.question !== data.question) return;
    for (const row of event.detail.rows) mine.set(row.id, row.mine);
    draw(root, data, event.detail.rows);
  };
  const onFeed = (event) => {  // the room's tally moved
    if (event.detail.question !== data.question) return;
    draw(root, data, event.detail.rows.map((row) => ({ ...row, mine: mine.get(row.id) || 0 })));
  };
  window.addEventListener("hub-results", onAnswer);
  window.addEventListener("hub-feed", onFeed);
  return () => {
    window.removeEventListener("hub-results", onAnswer);
    window.removeEventListener("hub-feed", onFeed);
  };
}

function draw(root, data, rows) {
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };
  const most = Math.max(1, ...rows.map((row) => row.dots));
  const list = el("ol", "hub-results");
  list.setAttribute("aria-label", data.labels.results);
  for (const row of rows) {
    const li = el("li");
    // Before the first dot every priority would tie at rank 1: show no rank instead.
    const rank = row.dots ? el("span", "hub-rank", String(row.rank)) : el("span", "hub-rank hub-unranked", "–");
    if (!row.dots) rank.setAttribute("aria-hidden", "true");
    const body = el("div", "hub-result");
    const bar = el("div", "hub-bar");
    bar.setAttribute("aria-hidden", "true");
    const fill = el("span");
    fill.style.width = `${Math.round((100 * row.dots) / most)}%`;
    bar.append(fill);
    const counts = el("p", "hub-counts");
    const dots = el("span");  // "Dots: 4", not "4 Dots": one label reads right for every count in every language
    dots.append(`${data.labels.dots}: `, el("strong", null, String(row.dots)));
    counts.append(dots);
    if (row.mine) counts.append(el("span", null, `${data.labels.mine}: ${"●".repeat(row.mine)}`));
    body.append(el("p", "hub-result-title", row.title), bar, counts);
    li.append(rank, body);
    list.append(li);
  }
  root.replaceChildren(list);
}
