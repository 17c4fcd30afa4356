// netfirst console: the little the pages do in the browser. Pages work without it;
// it adds the session's CSRF token to htmx requests, asks before destructive actions,
// and follows a run's progress live (sections below, one per behaviour).
'use strict';

// --- CSRF: htmx requests carry the session's token like every form does.
document.addEventListener('htmx:configRequest', (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers['X-CSRF-Token'] = meta.getAttribute('content');
});

// --- Confirm: a button with data-confirm asks first (no inline script, the CSP forbids it).
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-confirm]') : null;
  if (button && !window.confirm(button.getAttribute('data-confirm'))) event.preventDefault();
});
