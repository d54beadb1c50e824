// The browser's notifications for the web build (the app's CSP allows no eval, so the script the
// desktop build runs through Dioxus's eval is a module here): permission asked once, then the
// notification. Answers "shown" or why not.
export async function notify(title, body) {
  if (!("Notification" in window)) return "unsupported";
  let permission = Notification.permission;
  if (permission === "default") permission = await Notification.requestPermission();
  if (permission !== "granted") return permission;
  new Notification(title, { body, tag: "minqing-morning" });
  return "shown";
}
