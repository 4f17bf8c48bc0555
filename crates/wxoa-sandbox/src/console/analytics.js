// The console's analytics view: the account's followers (total, follows, unfollows) and the
// messages followers sent, a day at a time, drawn as inline SVG from the platform's own
// analytics endpoints (getusercumulate, getusersummary, getupstreammsg), read without a token
// through /sandbox/datacube/<name>. A range is split into the calls each endpoint allows; a
// refusal of the platform (a range ending today: 61501) is shown as the platform said it.
// Loaded after console.js, whose helpers (h, call, query, appParam) it uses.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
/// The most days one call of each endpoint may cover (api-reference-2 §3).
const ANALYTICS_SPAN = { getusercumulate: 7, getusersummary: 7, getupstreammsg: 7 };
/// The longest range the view asks for, days.
const ANALYTICS_MAX_DAYS = 366;
const DAY_MS = 86400000;
/// Analytics days are Beijing days (UTC+8).
const BEIJING_OFFSET = 8 * 3600;
/// The charts' width in SVG units (the panel's content width).
const CHART_W = 496;

const analytics = { range: null, loading: 0 };

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null) continue;
    if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child) el.append(child);
  }
  return el;
}

/// The Beijing day of a Unix time, YYYY-MM-DD.
function beijingDay(unix) {
  return new Date((unix + BEIJING_OFFSET) * 1000).toISOString().slice(0, 10);
}

function addDays(day, n) {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function daysBetween(begin, end) {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${begin}T00:00:00Z`)) / DAY_MS);
}

function isDay(text) {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));
}

/// Every day of the range, in order.
function daysOf(begin, end) {
  const days = [];
  for (let day = begin; day <= end; day = addDays(day, 1)) days.push(day);
  return days;
}

/// The range in calls of at most `span` days each (one call as given when it is backwards:
/// the platform judges it).
function spans(begin, end, span) {
  if (end < begin) return [[begin, end]];
  const parts = [];
  for (let from = begin; from <= end; from = addDays(from, span)) {
    const to = addDays(from, span - 1);
    parts.push([from, to < end ? to : end]);
  }
  return parts;
}

/// The rows of endpoint `name` over the range; the platform's refusal as an error.
async function datacube(name, begin, end) {
  const rows = [];
  for (const [from, to] of spans(begin, end, ANALYTICS_SPAN[name])) {
    const body = await call(`/sandbox/datacube/${name}${query({ app_id: appParam() })}`, {
      method: 'POST', body: { begin_date: from, end_date: to },
    });
    if (!body || typeof body !== 'object') throw new Error(`${name}: no answer`);
    if (body.errcode) throw new Error(`${name}: ${body.errcode} ${body.errmsg || ''}`.trim());
    if (Array.isArray(body.list)) rows.push(...body.list);
  }
  return rows;
}

/// Totals of `fields` a day over `rows` (one row per day and source or type).
function perDay(days, rows, fields) {
  const byDay = new Map(days.map((d) => [d, Object.fromEntries(fields.map((f) => [f, 0]))]));
  for (const row of rows) {
    const day = byDay.get(row.ref_date);
    if (!day) continue;
    for (const field of fields) day[field] += Number(row[field]) || 0;
  }
  return days.map((d) => ({ day: d, ...byDay.get(d) }));
}

/// A day's label on the x axis: MM-DD, every day or every few days of a long range.
function xLabels(days, x, y) {
  const every = Math.max(1, Math.ceil(days.length / 8));
  return days.map((d, i) => (i % every === 0
    ? svg('text', { class: 'axis-label', x: x(i), y, 'text-anchor': 'middle', text: d.slice(5) })
    : null));
}

/// An empty chart `height` units high with a slot a day: the SVG, the x of a day's middle,
/// its slot's width, whether value labels fit, and helpers for a grid line and a y-axis label.
function frame(days, height, label) {
  const left = 36;
  const right = 12;
  const slot = (CHART_W - left - right) / days.length;
  return {
    chart: svg('svg', { class: 'chart-svg', viewBox: `0 0 ${CHART_W} ${height}`, role: 'img', 'aria-label': label }),
    x: (i) => left + slot * (i + 0.5),
    slot,
    fit: slot >= 16,
    grid: (y, cls) => svg('line', { class: cls || 'grid', x1: left, x2: CHART_W - right, y1: y, y2: y }),
    axis: (y, text) => svg('text', { class: 'axis-label', x: left - 6, y: y + 4, 'text-anchor': 'end', text }),
  };
}

/// Followers: the total a day as a line with its points labelled, and below it the day's
/// follows (up) and unfollows (down) as bars.
function followersChart(days) {
  const { chart, x, slot, fit, grid, axis } = frame(days, 252, 'Followers a day: the total, follows and unfollows');
  const [lineTop, lineBottom] = [24, 118];
  const totals = days.map((d) => d.cumulate_user);
  const low = Math.min(...totals);
  const high = Math.max(...totals);
  const pad = Math.max(1, Math.ceil((high - low) * 0.1));
  const yTotal = (v) => lineBottom - (lineBottom - lineTop) * (v - (low - pad)) / (high - low + 2 * pad);
  const baseline = 184;
  const band = 40;
  const most = Math.max(1, ...days.map((d) => Math.max(d.new_user, d.cancel_user)));
  const bar = Math.max(2, Math.min(18, slot * 0.5));
  chart.append(
    grid(baseline),
    axis(yTotal(high), high),
    axis(yTotal(low), low),
    axis(baseline - band, `+${most}`),
    axis(baseline + band, `−${most}`),
    svg('polyline', { class: 'total-line', points: days.map((d, i) => `${x(i).toFixed(1)},${yTotal(d.cumulate_user).toFixed(1)}`).join(' ') }),
  );
  days.forEach((d, i) => {
    const up = band * d.new_user / most;
    const down = band * d.cancel_user / most;
    const group = svg('g', {
      class: 'day',
      dataset: { date: d.day, total: d.cumulate_user, new: d.new_user, cancel: d.cancel_user },
    },
    svg('title', { text: `${d.day}: ${d.cumulate_user} followers, +${d.new_user} −${d.cancel_user}` }),
    svg('circle', { class: 'total-point', cx: x(i), cy: yTotal(d.cumulate_user), r: 3 }),
    fit ? svg('text', { class: 'value total-label', x: x(i), y: yTotal(d.cumulate_user) - 8, 'text-anchor': 'middle', text: d.cumulate_user }) : null,
    svg('rect', { class: 'bar new-bar', x: x(i) - bar / 2, y: baseline - up, width: bar, height: up }),
    svg('rect', { class: 'bar cancel-bar', x: x(i) - bar / 2, y: baseline, width: bar, height: down }),
    fit && d.new_user ? svg('text', { class: 'value new-label', x: x(i), y: baseline - up - 4, 'text-anchor': 'middle', text: `+${d.new_user}` }) : null,
    fit && d.cancel_user ? svg('text', { class: 'value cancel-label', x: x(i), y: baseline + down + 12, 'text-anchor': 'middle', text: `−${d.cancel_user}` }) : null);
    chart.append(group);
  });
  chart.append(...xLabels(days.map((d) => d.day), x, 246).filter(Boolean));
  return chart;
}

/// Messages: the messages followers sent a day as bars, labelled with the count.
function messagesChart(days) {
  const { chart, x, slot, fit, grid, axis } = frame(days, 186, 'Messages followers sent a day');
  const [top, baseline] = [20, 160];
  const most = Math.max(1, ...days.map((d) => d.msg_count));
  const bar = Math.max(2, Math.min(28, slot * 0.6));
  chart.append(grid(baseline), grid(top, 'grid faint'), axis(top, most), axis(baseline, 0));
  days.forEach((d, i) => {
    const height = (baseline - top) * d.msg_count / most;
    chart.append(svg('g', {
      class: 'day', dataset: { date: d.day, count: d.msg_count, users: d.msg_user },
    },
    svg('title', { text: `${d.day}: ${d.msg_count} messages from ${d.msg_user} followers` }),
    svg('rect', { class: 'bar message-bar', x: x(i) - bar / 2, y: baseline - height, width: bar, height }),
    fit ? svg('text', { class: 'value count-label', x: x(i), y: baseline - height - 4, 'text-anchor': 'middle', text: d.msg_count }) : null));
  });
  chart.append(...xLabels(days.map((d) => d.day), x, 178).filter(Boolean));
  return chart;
}

function analyticsStatus(text, error) {
  const status = document.getElementById('analytics-status');
  status.textContent = text;
  status.classList.toggle('error', Boolean(error));
}

/// Reads the three endpoints over the range in the inputs and draws the charts.
async function loadAnalytics() {
  const view = document.getElementById('tab-analytics');
  const begin = document.getElementById('analytics-from').value;
  const end = document.getElementById('analytics-to').value;
  const followers = document.getElementById('chart-followers');
  const messages = document.getElementById('chart-messages');
  if (!isDay(begin) || !isDay(end)) {
    analyticsStatus('Pick the first and the last day.', true);
    return;
  }
  if (end >= begin && daysBetween(begin, end) >= ANALYTICS_MAX_DAYS) {
    analyticsStatus(`At most ${ANALYTICS_MAX_DAYS} days at a time.`, true);
    return;
  }
  const ticket = ++analytics.loading;
  view.dataset.state = 'loading';
  analyticsStatus(`Reading ${begin} … ${end}`);
  try {
    const [cumulate, summary, upstream] = await Promise.all([
      datacube('getusercumulate', begin, end),
      datacube('getusersummary', begin, end),
      datacube('getupstreammsg', begin, end),
    ]);
    if (ticket !== analytics.loading) return;
    const days = daysOf(begin, end);
    const totals = perDay(days, cumulate, ['cumulate_user']);
    const changes = perDay(days, summary, ['new_user', 'cancel_user']);
    const people = days.map((d, i) => ({ ...totals[i], ...changes[i] }));
    followers.replaceChildren(
      h('figcaption', {}, h('strong', { text: 'Followers' }),
        h('span', { class: 'legend legend-total', text: 'total' }),
        h('span', { class: 'legend legend-new', text: 'follows' }),
        h('span', { class: 'legend legend-cancel', text: 'unfollows' })),
      followersChart(people));
    messages.replaceChildren(
      h('figcaption', {}, h('strong', { text: 'Messages from followers' }),
        h('span', { class: 'legend legend-messages', text: 'messages a day, all types' })),
      messagesChart(perDay(days, upstream, ['msg_count', 'msg_user'])));
    analytics.range = [begin, end];
    analyticsStatus(`${begin} … ${end} (Beijing days), from getusercumulate, getusersummary and getupstreammsg.`);
    view.dataset.state = 'ready';
  } catch (e) {
    if (ticket !== analytics.loading) return;
    followers.replaceChildren();
    messages.replaceChildren();
    analyticsStatus(e.message, true);
    view.dataset.state = 'error';
  }
}

/// Sets the range to the `days` days ending yesterday on the sandbox's clock, and draws it.
async function lastDays(days) {
  let nowUnix = Math.floor(Date.now() / 1000);
  try {
    nowUnix = (await call('/sandbox/clock')).now;
  } catch (_) { /* the console's own reading of the clock stays */ }
  const yesterday = addDays(beijingDay(nowUnix), -1);
  document.getElementById('analytics-from').value = addDays(yesterday, 1 - days);
  document.getElementById('analytics-to').value = yesterday;
  await loadAnalytics();
}

function bindAnalytics() {
  document.getElementById('analytics-range').addEventListener('submit', (event) => {
    event.preventDefault();
    loadAnalytics();
  });
  for (const button of document.querySelectorAll('[data-last-days]')) {
    button.addEventListener('click', () => lastDays(Number(button.dataset.lastDays)));
  }
  // Opening the view draws the last 7 days first, then the range shown again.
  document.querySelector('[data-tab="analytics"]').addEventListener('click', () => {
    if (analytics.range) loadAnalytics();
    else lastDays(7);
  });
  document.getElementById('account-select').addEventListener('change', () => {
    if (!document.getElementById('tab-analytics').hidden && analytics.range) loadAnalytics();
  });
}

bindAnalytics();
