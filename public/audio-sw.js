// Earshot's service worker: serves the installed audio processing from
// Cache Storage, and nothing else. The page installs and verifies the
// files (src/audio/install.rs); this only answers
// /audio/installed/<version>/<file> from the cache, so the AudioWorklet
// loads exactly the verified bytes under the page's strict CSP. Every other
// request goes to the network untouched.

const INSTALLED = '/audio/installed/';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
// A page loaded past the worker (a hard reload) asks to be served again.
self.addEventListener('message', (event) => {
  if (event.data === 'claim') event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(INSTALLED)) return;
  event.respondWith(
    caches.match(url.pathname).then(
      (hit) => hit || new Response('not installed: run the audio setup again', { status: 404, headers: { 'Content-Type': 'text/plain' } }),
    ),
  );
});
