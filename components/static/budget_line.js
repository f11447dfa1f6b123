// Keeps a ballot's "N of M dots left" line true while single rows redraw themselves.
// A vote click reruns only its own row (a Streamlit fragment); each row's container carries its
// count in its class (st-key-mine_<question>_<priority>_<dots>), so the line is the budget minus
// the sum of the rows on screen. Text is set with textContent only; the lines arrive translated.
export default function (component) {
  const { data, parentElement } = component;
  const line = parentElement.querySelector(".hub-budget-live");
  const ballot = document.querySelector(`.st-key-ballot_${data.question}`);
  if (!line || !ballot) return;
  const prefix = `st-key-mine_${data.question}_`;
  let pending = false;

  const update = () => {
    pending = false;
    const counts = new Map();  // a redrawn row may briefly exist twice: count each priority once
    for (const row of ballot.querySelectorAll(`[class*="${prefix}"]`)) {
      const cls = Array.from(row.classList).find((c) => c.startsWith(prefix));
      const [priority, dots] = cls.slice(prefix.length).split("_");
      counts.set(priority, Number(dots) || 0);
    }
    let used = 0;
    counts.forEach((dots) => { used += dots; });
    const left = Math.min(data.budget, Math.max(0, data.budget - used));
    const text = data.lines[left];
    if (line.dataset.shown === text) return;
    const strong = document.createElement("strong");
    strong.textContent = text;
    line.replaceChildren(strong, document.createTextNode(" " + "●".repeat(data.budget - left) + "○".repeat(left)));
    line.dataset.shown = text;
  };

  const observer = new MutationObserver(() => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(update);
    }
  });
  observer.observe(ballot, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
  update();
  return () => observer.disconnect();
}
