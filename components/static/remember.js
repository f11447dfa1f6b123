// Keeps this browser's participant token in a first-party cookie, so that a new tab, a rescanned
// QR code or a phone that slept gets the same participant (and the same dot budget) back.
export default function ({ data }) {
  if (!data || !/^hub_w\d+$/.test(data.name) || !/^[A-Za-z0-9_-]+$/.test(data.value)) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.value}; Path=/; Max-Age=${data.seconds}; SameSite=Strict${secure}`;
}
