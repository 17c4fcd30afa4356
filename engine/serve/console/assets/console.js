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

// --- Tokens page: the create form shows only the scope fields the chosen role takes
// (the others are disabled, so they are not sent); the new token's Copy button.
(() => {
  const showRoleFields = (select) => {
    const form = select.form;
    if (!form) return;
    for (const field of form.querySelectorAll('[data-roles]')) {
      const shown = field.getAttribute('data-roles').split(' ').includes(select.value);
      field.hidden = !shown;
      for (const input of field.querySelectorAll('input, select')) input.disabled = !shown;
    }
  };
  document.addEventListener('DOMContentLoaded', () => {
    for (const select of document.querySelectorAll('select[data-role-fields]')) showRoleFields(select);
  });
  document.addEventListener('change', (event) => {
    if (event.target instanceof HTMLSelectElement && event.target.hasAttribute('data-role-fields')) showRoleFields(event.target);
  });
  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
    if (!button) return;
    const field = document.getElementById(button.getAttribute('data-copy'));
    const status = button.parentElement && button.parentElement.querySelector('.copy-status');
    if (!(field instanceof HTMLInputElement)) return;
    field.select();
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    } catch {
      // No clipboard API (not a secure context, or refused): the field stays selected for Ctrl+C.
    }
    if (status) status.textContent = copied ? 'Copied.' : 'Selected: press Ctrl+C (⌘C) to copy.';
  });
})();

// --- Run progress (pages/runs.tsx): a running run's page follows /runs/:id/events and
// applies each event the way run-progress.ts folds them on the server, so the page
// looks the same live as after a reload. The first connection starts after the last
// event the page was rendered with (?after=); after a lost connection EventSource
// reconnects by itself and sends the last id it had (Last-Event-ID), and an event the
// page already has (seq not above the last one applied) is never applied twice.
(() => {
  const STEP_STATUS = { 'resource.started': 'running', 'resource.done': 'done', 'resource.failed': 'failed' };
  const RESULT_KIND = { succeeded: 'ok', failed: 'error' };
  const follow = () => {
    const root = document.getElementById('run');
    if (!root || root.getAttribute('data-live') !== 'true' || typeof EventSource === 'undefined') return;
    const runId = root.getAttribute('data-run');
    let seen = Number(root.getAttribute('data-after') || '0');
    const source = new EventSource(`/runs/${encodeURIComponent(runId)}/events?after=${seen}`);
    const bar = document.getElementById('run-progress');
    const setText = (id, value) => {
      const el = document.getElementById(id);
      if (el) el.textContent = String(value);
    };
    const badge = (status) => {
      const span = document.createElement('span');
      span.className = `status status-${status.toLowerCase().replace(/[^a-z]/g, '')}`;
      span.textContent = status;
      return span;
    };
    const counts = (data) => {
      if (typeof data.total === 'number') {
        setText('run-total', data.total);
        if (bar) bar.max = Math.max(data.total, 1);
      }
      if (typeof data.done === 'number') {
        setText('run-done', data.done);
        if (bar) bar.value = Math.min(data.done, bar.max);
      }
      if (typeof data.failed === 'number') setText('run-failed', data.failed);
    };
    const log = (line) => {
      const pre = document.getElementById('run-log');
      if (!pre || typeof line !== 'string' || line === '') return;
      pre.textContent += (pre.textContent ? '\n' : '') + line;
      pre.scrollTop = pre.scrollHeight;
    };
    const stepRow = (id, action) => {
      for (const row of document.querySelectorAll('#run-steps tr[data-step]')) if (row.getAttribute('data-step') === id) return row;
      // A step the page did not list (the plan it was rendered from lacked it): added at the end.
      const row = document.createElement('tr');
      row.setAttribute('data-step', id);
      const head = document.createElement('th');
      head.scope = 'row';
      const code = document.createElement('code');
      code.textContent = id;
      head.append(code);
      const act = document.createElement('td');
      const actSpan = document.createElement('span');
      actSpan.className = `change-${action || ''}`;
      actSpan.textContent = action || '';
      act.append(actSpan);
      const status = document.createElement('td');
      status.className = 'step-status';
      status.append(badge('pending'));
      const ms = document.createElement('td');
      ms.className = 'num step-ms';
      row.append(head, act, status, ms);
      document.querySelector('#run-steps tbody')?.append(row);
      return row;
    };
    // Each event once, in order: the stream's ids are the run's seq (1, 2, 3, …).
    const fresh = (event) => {
      const seq = Number(event.lastEventId);
      if (!Number.isFinite(seq) || seq <= seen) return false;
      seen = seq;
      root.setAttribute('data-after', String(seq));
      return true;
    };
    const onResource = (type) => (event) => {
      if (!fresh(event)) return;
      const data = JSON.parse(event.data);
      counts(data);
      log(data.text);
      if (typeof data.address !== 'string') return;
      const row = stepRow(data.address, data.action);
      const status = STEP_STATUS[type];
      if (status) row.querySelector('.step-status')?.replaceChildren(badge(status));
      if (typeof data.ms === 'number') {
        const ms = row.querySelector('.step-ms');
        if (ms) ms.textContent = `${data.ms} ms`;
      }
      if (typeof data.error === 'string') {
        const p = document.createElement('p');
        p.className = 'field-error';
        p.textContent = data.error;
        row.querySelector('th')?.append(p);
      }
    };
    const finish = (data) => {
      const status = typeof data.status === 'string' ? data.status : 'failed';
      root.setAttribute('data-live', 'false');
      document.getElementById('run-status')?.replaceChildren(badge(status));
      document.getElementById('run-cancel')?.remove();
      const result = document.getElementById('run-result');
      if (!result) return;
      const notice = document.createElement('div');
      notice.className = `notice notice-${RESULT_KIND[status] || 'warning'}`;
      notice.setAttribute('role', 'status');
      const p = document.createElement('p');
      const strong = document.createElement('strong');
      strong.id = 'run-result-status';
      strong.textContent = status;
      p.append(strong);
      if (data.summary) {
        const summary = document.createElement('span');
        summary.id = 'run-result-summary';
        summary.textContent = data.summary;
        p.append(': ', summary);
      }
      notice.append(p);
      const parts = [result.querySelector('h2'), notice];
      if (typeof data.text === 'string' && data.text.trim() !== '') {
        const pre = document.createElement('pre');
        pre.className = 'code';
        pre.id = 'run-result-text';
        pre.textContent = data.text.replace(/^\n+/, '');
        parts.push(pre);
      }
      result.replaceChildren(...parts.filter(Boolean));
      result.hidden = false;
    };
    for (const type of ['resource.started', 'resource.done', 'resource.failed', 'resource.retrying']) source.addEventListener(type, onResource(type));
    source.addEventListener('run.started', (event) => {
      if (fresh(event)) counts(JSON.parse(event.data));
    });
    source.addEventListener('run.finished', (event) => {
      source.close();
      if (!fresh(event)) return;
      const data = JSON.parse(event.data);
      counts(data);
      finish(data);
    });
    // The run is no longer executing here (it ended while the page was away, or its server
    // restarted): the stream names its recorded status and ends; the page shows it as recorded.
    for (const status of ['running', 'succeeded', 'failed', 'cancelled', 'interrupted', 'gone']) {
      source.addEventListener(`run.${status}`, () => {
        source.close();
        window.location.reload();
      });
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', follow);
  else follow();
})();
