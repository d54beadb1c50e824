// Starts the app (the wasm module wasm-bindgen wrote) and registers the service worker that
// keeps the app shell for opening with no signal. A new version the worker finds waits until
// every window of the app is closed: it is picked up on the next start, never mid-form.
import init from "./minqing.js";

init().then(
  () => document.getElementById("boot")?.remove(),
  (e) => {
    document.getElementById("boot").textContent = "民情通无法打开（" + e + "）";
  },
);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("sw.js", { scope: "./" }).catch((e) => {
    console.warn("service worker not registered:", e);
  });
}
