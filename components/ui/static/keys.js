// Keyboard shortcuts for the Moderate page's cards (no build step, no participant text touched):
// j / k move to the next / previous card, h hides or shows it, e opens or closes its editor,
// m puts the cursor in its "Merge into" picker (the merge itself still asks for a confirmation).
// Keys do nothing while someone types in a field or holds a modifier, so typing "hello" is never a hide.
const CARD = /^st-key-card_(\d+)$/;
const state = window.__hubModerateKeys || (window.__hubModerateKeys = { current: null, listening: false, pending: false });

function cards() {
  return [...document.querySelectorAll('[class*="st-key-card_"]')].filter((el) => cardId(el) !== null);
}

function cardId(el) {
  for (const name of el.classList) {
    const match = CARD.exec(name);
    if (match) return match[1];
  }
  return null;
}

// Fields that take typed text (a checkbox or toggle does not: "e" on the Edit toggle still closes it).
const TEXT_TYPES = /^(text|search|email|number|password|url|tel|date|time|datetime-local|month|week)$/;

function isTyping(event) {
  const target = event.target;
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || target.closest('textarea, select, [contenteditable="true"], [role="combobox"], [role="listbox"], [role="dialog"]')) return true;
  const input = target.closest("input");
  return !!input && TEXT_TYPES.test(input.type || "text");
}

function mark(card) {
  for (const el of document.querySelectorAll("[data-hub-current]")) el.removeAttribute("data-hub-current");
  if (!card) return;
  card.setAttribute("data-hub-current", "true");
  card.setAttribute("tabindex", "-1");
  card.focus({ preventScroll: true });
  card.scrollIntoView({ block: "nearest" });
}

function currentCard(list) {
  return list.find((el) => cardId(el) === state.current) || null;
}

function move(step) {
  const list = cards();
  if (!list.length) return;
  const index = list.indexOf(currentCard(list));
  const next = index < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, index + step));
  state.current = cardId(list[next]);
  mark(list[next]);
}

function act(key) {
  const card = currentCard(cards());
  if (!card) return false;
  const id = state.current;
  const pick = (selector) => card.querySelector(selector);
  if (key === "h") {
    const button = pick(`.st-key-hide_${id} button`);
    if (button && !button.disabled) { button.click(); return true; }
  } else if (key === "e") {
    const toggle = pick(`.st-key-edit_open_${id} input`);
    if (toggle && !toggle.disabled) { toggle.click(); return true; }
  } else if (key === "m") {
    const picker = pick(`.st-key-merge_target_${id} input`);
    if (picker && !picker.disabled) { picker.focus(); picker.click(); return true; }
  }
  return false;
}

function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  if (isTyping(event)) return;
  const key = event.key.toLowerCase();
  if (key === "j" || key === "k") {
    move(key === "j" ? 1 : -1);
    event.preventDefault();
  } else if ((key === "h" || key === "e" || key === "m") && act(key)) {
    event.preventDefault();
  }
}

// Streamlit may draw a card anew after a rerun (a message above it shifts the page): put the mark back.
function remark() {
  if (state.pending) return;
  state.pending = true;
  requestAnimationFrame(() => {
    state.pending = false;
    const card = currentCard(cards());
    if (card && !card.hasAttribute("data-hub-current")) card.setAttribute("data-hub-current", "true");
  });
}

export default function () {
  if (!state.listening) {
    document.addEventListener("keydown", onKey);
    state.observer = new MutationObserver(remark);
    state.observer.observe(document.body, { childList: true, subtree: true });
    state.listening = true;
  }
  remark();
  return () => {
    document.removeEventListener("keydown", onKey);
    if (state.observer) state.observer.disconnect();
    state.listening = false;
  };
}
