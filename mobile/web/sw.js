// The app shell for opening /app/ with no signal: every file of this build, cached when the
// worker installs; the API is never cached (its answers are the phone's business). The cache
// is named after the build, so a new build installs beside the old one and takes over once no
// window uses the old one (no skipWaiting: never in the middle of a form).
const CACHE = "minqing-__BUILD__";
const SHELL = __SHELL__;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("minqing-") && k !== CACHE).map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const scope = new URL(self.registration.scope).pathname;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || !url.pathname.startsWith(scope)) {
    return; // the sync API and everything else: the network, as the app asks
  }
  event.respondWith(
    caches.open(CACHE).then((cache) =>
      cache.match(request, { ignoreSearch: true }).then((hit) => hit || fetch(request)),
    ),
  );
});
