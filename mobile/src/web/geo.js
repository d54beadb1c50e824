// The browser's geolocation for the web build (the app's CSP allows no eval, so the script that
// the desktop build runs through Dioxus's eval is a module here). Answers JSON text: a position,
// or the reason there is none.
export function locate(timeoutMs) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve(JSON.stringify({ err: "unavailable" })); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve(JSON.stringify({ lat: p.coords.latitude, lon: p.coords.longitude,
                                      accuracy_m: p.coords.accuracy, at_ms: p.timestamp })),
      (e) => resolve(JSON.stringify({
        err: e.code === 1 ? "denied" : e.code === 3 ? "timeout" : "unavailable" })),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60000 });
  });
}
