// The console's third-party platform view (shown when the sandbox plays a component): the
// component, its latest ticket and how many accounts authorized it, and the 全网发布 release
// test — a button runs it (POST /sandbox/component/release-test) and the report lists each
// case, passed or failed with its reason. Loaded after console.js, whose helpers (h, call) it
// uses.
'use strict';

/// Shows the component's summary; hides the tab when the sandbox plays none.
async function loadComponent() {
  const tab = document.querySelector('[data-tab="component"]');
  let summary;
  try {
    summary = await call('/sandbox/component');
  } catch (_) {
    tab.hidden = true;
    return;
  }
  tab.hidden = false;
  document.getElementById('component-summary').replaceChildren(
    h('dt', { text: 'AppID' }), h('dd', { text: summary.app_id }),
    h('dt', { text: 'Authorized' }), h('dd', { text: `${summary.authorized} of ${summary.accounts} accounts` }),
    h('dt', { text: 'Latest ticket' }), h('dd', { text: summary.ticket_at ? new Date(summary.ticket_at * 1000).toISOString() : 'none yet' }),
    h('dt', { text: 'Message URL' }), h('dd', { text: summary.message_url || 'not configured' }));
}

function showReport(report) {
  const list = document.getElementById('release-report');
  list.replaceChildren(...report.cases.map((c) => h('li',
    { class: `release-case ${c.passed ? 'pass' : 'fail'}`, dataset: { case: c.name } },
    h('strong', { text: `${c.passed ? '✓' : '✗'} ${c.name}` }),
    h('span', { class: 'release-reason', text: c.reason }))));
  const status = document.getElementById('release-status');
  status.textContent = report.passed
    ? `Passed with ${report.authorizer_appid} (${report.original_id}).`
    : `Failed with ${report.authorizer_appid} (${report.original_id}).`;
  status.dataset.result = report.passed ? 'passed' : 'failed';
}

async function runReleaseTest() {
  const button = document.getElementById('release-test');
  const status = document.getElementById('release-status');
  button.disabled = true;
  status.dataset.result = 'running';
  status.textContent = 'Running: a test account authorizes, the cases are pushed, the account revokes…';
  document.getElementById('release-report').replaceChildren();
  try {
    const body = { legacy_event: document.getElementById('release-legacy').checked };
    showReport(await call('/sandbox/component/release-test', { method: 'POST', body }));
  } catch (e) {
    status.textContent = e.message;
    status.dataset.result = 'error';
  } finally {
    button.disabled = false;
    loadComponent();
  }
}

function bindComponent() {
  document.getElementById('release-test').addEventListener('click', runReleaseTest);
  document.querySelector('[data-tab="component"]').addEventListener('click', loadComponent);
  loadComponent();
}

bindComponent();
