// A participant's results, drawn in the browser and, while voting is live, refreshed from
// /api/results every few seconds: one small request per phone instead of a page rerun.
// Participant text is only ever set with textContent.
const timers = new WeakMap();  // root element -> its refresh timer

export default function (component) {
  const { data, parentElement } = component;
  const root = parentElement.querySelector(".hub-results-root");
  if (!root || !data) return;
  clearInterval(timers.get(root));
  draw(root, data, data.rows);
  if (!data.live) return;

  let inFlight = false;
  const refresh = async () => {
    if (inFlight || document.hidden) return;  // a phone in a pocket asks for nothing
    inFlight = true;
    try {
      const answer = await fetch(`${data.endpoint}?q=${encodeURIComponent(data.question)}`,
                                 { headers: { "X-Hub-Token": data.token }, cache: "no-store" });
      if (answer.ok) {
        const fresh = await answer.json();
        if (fresh.visible) draw(root, data, fresh.rows);
        if (!fresh.live) clearInterval(timers.get(root));  // closed: the page redraws itself
      }
    } catch (error) {
      // Venue Wi-Fi drops: keep the last results on screen and ask again at the next tick.
    } finally {
      inFlight = false;
    }
  };
  timers.set(root, setInterval(refresh, data.poll_ms));
  // The ballot on this page got an answer to a tap: it carries these results, own dots included.
  const onAnswer = (event) => {
    if (event.detail.question === data.question) draw(root, data, event.detail.rows);
  };
  window.addEventListener("hub-results", onAnswer);
  return () => {
    clearInterval(timers.get(root));
    window.removeEventListener("hub-results", onAnswer);
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
