// Keeps this browser's participant token in a first-party cookie, so that a new tab, a rescanned
// QR code or a phone that slept gets the same participant (and the same dot budget) back.
// Join page: watch for the cookie (another tab of this browser may join meanwhile) and report it;
// after "I am someone else" (where the workshop allows a shared phone) first delete the previous person's.
// Participant page: write it, but never replace another participant's cookie unless this browser
// joined through the join page (so a participant link someone sends cannot take the browser over).
const NAME = /^hub_w\d+$/;
const TOKEN = /^[A-Za-z0-9_-]{1,99}$/;
const watchers = new Map();

function readCookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(name + "="));
  const value = found ? found.slice(name.length + 1) : "";
  return TOKEN.test(value) ? value : "";
}

export default function ({ data, setTriggerValue }) {
  if (!data || !NAME.test(data.name)) return;
  if (data.watch) {
    clearInterval(watchers.get(data.name));
    // "I am someone else": forget the person who handed this phone on (only their own token, never a newer one).
    if (data.forget && readCookie(data.name) === data.forget) {
      document.cookie = `${data.name}=; Path=/; Max-Age=0; SameSite=Strict`;
    }
    const check = () => {
      const token = readCookie(data.name);
      if (token && token !== data.forget) { clearInterval(watchers.get(data.name)); setTriggerValue("found", token); }
    };
    watchers.set(data.name, setInterval(check, 1000));
    check();
    return () => clearInterval(watchers.get(data.name));
  }
  if (!TOKEN.test(data.value)) return;
  const current = readCookie(data.name);
  if (current && current !== data.value && !data.replace) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.value}; Path=/; Max-Age=${data.seconds}; SameSite=Strict${secure}`;
}
