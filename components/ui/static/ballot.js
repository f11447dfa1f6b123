// The participant ballot, drawn in the browser from the data the server sends.
// One Streamlit element for the whole ballot, so a vote click and a page load cost the server the
// same however many priorities are on it. Participant text is only ever set with textContent.
// A click sends {priority, action, shown}: "shown" is the count on screen, so a double tap that
// reaches the server twice places one dot.
const REFRESH_AFTER_MS = 5000;
const drawings = new Map();  // question -> how many times its ballot was drawn on this page

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector(".hub-ballot");
  if (!root || !data) return;
  const active = document.activeElement;
  const focused = active && root.contains(active) ? active.dataset.focusKey : null;

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };
  const dots = (filled, total) => "●".repeat(filled) + "○".repeat(Math.max(0, total - filled));

  const budget = el("div", "hub-budget");
  budget.setAttribute("aria-live", "polite");
  budget.append(el("strong", null, data.line), " ",
                el("span", "hub-symbols", dots(data.budget - data.left, data.budget)));
  const parts = [budget];
  if (data.error) {
    const error = el("p", "hub-error", data.error);
    error.setAttribute("role", "alert");
    parts.push(error);
  }
  if (!data.items.length) parts.push(el("p", "hub-empty", data.labels.empty));

  const list = el("ul", "hub-items");
  const drawing = (drawings.get(data.question) || 0) + 1;
  drawings.set(data.question, drawing);
  let busy = false;
  const vote = (item, action, button) => {
    if (busy) return;
    busy = true;  // until the server answers with fresh data, which redraws the ballot
    button.disabled = true;
    setTriggerValue("vote", { priority: item.id, action, shown: item.mine });
    // Under heavy load Streamlit can drop a redraw, and a server process that died with the tap
    // answers nothing: ask for a fresh ballot, and free the button, since a redraw with the very same
    // data never comes. A second tap is safe: it carries the count on screen.
    setTimeout(() => {
      if (drawings.get(data.question) !== drawing) return;
      busy = false;
      button.disabled = false;
      setTriggerValue("vote", { action: "refresh" });
    }, REFRESH_AFTER_MS);
  };
  for (const item of data.items) {
    const li = el("li", "hub-item");
    li.dataset.priority = String(item.id);
    const titleId = `hub-title-${data.question}-${item.id}`;
    const title = el("p", "hub-title", item.title);
    title.id = titleId;
    li.append(title);
    if (item.theme) li.append(el("p", "hub-theme", item.theme));
    if (item.details) {
      const details = el("details", "hub-details");
      details.append(el("summary", null, data.labels.details), el("p", "hub-details-text", item.details));
      li.append(details);
    }
    const row = el("div", "hub-row");
    const mine = el("span", "hub-mine", dots(item.mine, data.cap));
    mine.setAttribute("role", "img");
    mine.setAttribute("aria-label", data.labels.mine.replace("{n}", item.mine).replace("{cap}", data.cap));
    row.append(mine);
    for (const [action, label, sign, disabled] of [
      ["remove", data.labels.remove, "−", item.mine === 0],
      ["add", data.labels.add, "+", data.left === 0 || item.mine >= data.cap],
    ]) {
      const button = el("button", `hub-${action}`);
      button.type = "button";
      button.disabled = disabled;
      button.dataset.focusKey = `${action}-${item.id}`;
      button.setAttribute("aria-describedby", titleId);
      button.setAttribute("aria-label", label);  // also when a narrow screen shows only the sign
      const icon = el("span", "hub-sign", sign);
      icon.setAttribute("aria-hidden", "true");
      button.append(icon, el("span", "hub-label", label));
      button.addEventListener("click", () => vote(item, action, button));
      row.append(button);
    }
    li.append(row);
    list.append(li);
  }
  parts.push(list);
  root.replaceChildren(...parts);
  // A redraw after the first is the answer to a vote: tell this page's live results (results.js).
  if (drawing > 1) window.dispatchEvent(new Event("hub-voted"));
  if (focused) {  // keyboard users keep their place after each vote
    const again = root.querySelector(`[data-focus-key="${focused}"]`);
    if (again && !again.disabled) again.focus();
  }
}
