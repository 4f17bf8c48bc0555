// The wxoa sandbox console: a follower's phone talking to the account, and the sandbox's view
// of it. Reads the control API (/sandbox/...) every second and acts through it; it never calls
// the platform's API, so the calls log shows only what the account's server does.
'use strict';

const POLL_MS = 1000;
/// Every this many polls, the slower-changing things are read again.
const SLOW_EVERY = 5;
const SHOWN_CALLS = 300;
const VISITORS_KEY = 'wxoa-console.visitors';
const FOLLOWER_KEY = 'wxoa-console.follower';
/// A gap that shows the time again in the chat, seconds (as WeChat does).
const TIME_GAP = 300;

const ui = {};
const state = {
  appId: null,
  accounts: [],
  openid: null,
  followers: [],
  visitors: loadVisitors(),
  status: null,
  menu: null,
  menuSignature: '',
  qrSignature: '',
  clockOffset: 0,
  lastCall: 0,
  polls: 0,
  polling: false,
  again: false,
  chatNodes: new Map(),
  pushNodes: new Map(),
  /// Whether the chat follows its newest message (until the user scrolls up).
  stick: true,
};

// ---------- small helpers ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/// Icons, as constant markup.
const ICONS = {
  subs: '<svg viewBox="0 0 12 12" width="11" height="11"><path d="M1 2.5h10M1 6h10M1 9.5h10" stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/></svg>',
  voice: '<svg viewBox="0 0 20 20" width="18" height="18"><path d="M6 10h.01M9 6.5a5 5 0 0 1 0 7M12 4a8.5 8.5 0 0 1 0 12" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/></svg>',
  play: '<svg viewBox="0 0 20 20" width="20" height="20"><path d="M7 5v10l8-5Z" fill="#fff"/></svg>',
  music: '<svg viewBox="0 0 24 24" width="26" height="26"><path d="M9 18V6l10-2v12" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/><circle cx="6.5" cy="18" r="2.5" fill="currentColor"/><circle cx="16.5" cy="16" r="2.5" fill="currentColor"/></svg>',
  link: '<svg viewBox="0 0 24 24" width="22" height="22"><path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/></svg>',
  pin: '<svg viewBox="0 0 24 24" width="30" height="30"><path d="M12 22s7-6.3 7-11.5a7 7 0 0 0-14 0C5 15.7 12 22 12 22Z" fill="currentColor"/><circle cx="12" cy="10.5" r="2.6" fill="#fff"/></svg>',
  account: '<svg viewBox="0 0 24 24" width="24" height="24"><path d="M12 4c-4.7 0-8.5 3.1-8.5 7 0 2.2 1.2 4.1 3.1 5.4L6 19.5l3.4-1.8c.8.2 1.7.3 2.6.3 4.7 0 8.5-3.1 8.5-7S16.7 4 12 4Z" fill="currentColor"/></svg>',
  mini: '<svg viewBox="0 0 24 24" width="14" height="14"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2"/><path d="M9 15.5a2.5 2.5 0 0 1-2.5-2.5v-2M15 8.5a2.5 2.5 0 0 1 2.5 2.5v2M9 9h6v6H9z" fill="none" stroke="currentColor" stroke-width="1.6"/></svg>',
};

function icon(name, cls) {
  const span = h('span', { class: cls || 'icon', 'aria-hidden': 'true' });
  span.innerHTML = ICONS[name];
  return span;
}

/// Only web and same-origin links are followed; anything else is shown as text.
function safeUrl(url) {
  if (typeof url !== 'string') return null;
  const trimmed = url.trim();
  return /^(https?:\/\/|\/(?!\/))/i.test(trimmed) ? trimmed : null;
}

function mediaUrl(mediaId) {
  return mediaId ? `/sandbox/media/${encodeURIComponent(mediaId)}` : null;
}

function str(value) {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : String(value);
}

/// A repeated XML element arrives as an array, a single one as an object.
function many(value) {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

async function call(path, options = {}) {
  const init = { method: options.method || 'GET', headers: {} };
  if (options.body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = text; }
  if (!response.ok) {
    const message = body && body.error ? body.error : `${response.status} ${response.statusText}`;
    throw new Error(message);
  }
  return body;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function appParam() {
  return state.accounts.length > 1 ? state.appId : undefined;
}

let toastTimer = null;
function toast(message) {
  ui.toast.textContent = message;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { ui.toast.hidden = true; }, 2600);
}

function now() {
  return Math.floor(Date.now() / 1000) + state.clockOffset;
}

function two(n) { return String(n).padStart(2, '0'); }

function clockText(unix) {
  const d = new Date(unix * 1000);
  return `${d.getHours()}:${two(d.getMinutes())}`;
}

function chatTime(unix) {
  const d = new Date(unix * 1000);
  const today = new Date(now() * 1000);
  const time = `${two(d.getHours())}:${two(d.getMinutes())}`;
  if (d.toDateString() === today.toDateString()) return time;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${time}`;
}

function shortId(openid) {
  return openid.length > 14 ? `${openid.slice(0, 7)}…${openid.slice(-5)}` : openid;
}

/// A stable colour and letter for a follower's avatar.
function avatarOf(openid) {
  let hash = 0;
  for (const ch of openid) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const hue = hash % 360;
  const letter = (openid.replace(/^o/, '').match(/[A-Za-z]/) || ['U'])[0].toUpperCase();
  const el = h('div', { class: 'avatar follower', text: letter });
  el.style.background = `hsl(${hue} 55% 58%)`;
  return el;
}

function accountAvatar() {
  const el = h('div', { class: 'avatar account' });
  el.append(icon('account'));
  return el;
}

// ---------- rich text ----------

/// Text as WeChat shows it: line breaks kept, `<a href>` elements and bare URLs as links.
function richText(text) {
  const frag = document.createDocumentFragment();
  const pattern = /<a\b([^>]*)>([\s\S]*?)<\/a>|(https?:\/\/[^\s<>"'，。；）)]+)/gi;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) frag.append(text.slice(last, match.index));
    if (match[3] !== undefined) {
      const url = safeUrl(match[3]);
      frag.append(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, match[3]));
    } else {
      const attrs = match[1];
      const href = (attrs.match(/href\s*=\s*(["'])(.*?)\1/i) || [])[2];
      const url = safeUrl(href);
      if (url) {
        frag.append(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, match[2]));
      } else {
        // A mini-program link or an unsafe one: shown as a link, going nowhere.
        frag.append(h('span', { class: 'mini-link', title: attrs.trim() }, match[2]));
      }
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

// ---------- what a message looks like ----------

/// One model for every message the follower receives, whether it came as a passive reply
/// (XML names), a customer-service or mass message (JSON names) or a template message.
function normalize(kind, m, at) {
  if (kind === 'notice') return { type: 'notice', text: str(m.Content) };
  if (kind === 'comment_reply') {
    return {
      type: 'card', title: `Reply to your comment on “${str(m.title) || 'an article'}”`,
      description: `${str(m.reply)} — on “${str(m.comment)}”`,
    };
  }
  if (kind === 'template') return { type: 'template', message: m, at };
  if (kind === 'subscribe') {
    const title = m.title || 'Subscription notification';
    return { type: 'template', message: { ...m, title, url: m.page, label: 'Subscription notification' }, at };
  }
  if (kind === 'one_time') {
    const message = {
      title: m.title, content: '{{content.DATA}}', data: m.data, url: m.url,
      miniprogram: m.miniprogram, label: 'One-time subscription',
    };
    return { type: 'template', message, at };
  }
  if (m.MsgType !== undefined) return fromReply(m);
  return fromJson(m);
}

function fromReply(m) {
  switch (m.MsgType) {
    case 'text': return { type: 'text', text: str(m.Content) };
    case 'image': return { type: 'image', src: mediaUrl(m.Image && m.Image.MediaId) };
    case 'voice': return { type: 'voice', src: mediaUrl(m.Voice && m.Voice.MediaId) };
    case 'video': {
      const v = m.Video || {};
      return { type: 'video', title: str(v.Title), description: str(v.Description), src: mediaUrl(v.MediaId) };
    }
    case 'music': {
      const v = m.Music || {};
      return {
        type: 'music', title: str(v.Title), description: str(v.Description),
        url: str(v.HQMusicUrl || v.MusicUrl),
      };
    }
    case 'news': {
      const items = many(m.Articles && m.Articles.item);
      return {
        type: 'news',
        articles: items.map((a) => ({
          title: str(a.Title), description: str(a.Description), cover: str(a.PicUrl), url: str(a.Url),
        })),
      };
    }
    default: return { type: 'unknown', label: `${m.MsgType} message` };
  }
}

function fromJson(m) {
  const type = m.msgtype;
  const body = m[type] || {};
  switch (type) {
    case 'text': return { type: 'text', text: str(body.content) };
    case 'image': {
      const images = m.images ? many(m.images.media_ids) : [body.media_id];
      return { type: 'image', src: mediaUrl(images[0]) };
    }
    case 'voice': return { type: 'voice', src: mediaUrl(body.media_id) };
    case 'video':
    case 'mpvideo':
      return { type: 'video', title: str(body.title), description: str(body.description), src: mediaUrl(body.media_id) };
    case 'music':
      return {
        type: 'music', title: str(body.title), description: str(body.description),
        url: str(body.hqmusicurl || body.musicurl),
      };
    case 'news':
      return {
        type: 'news',
        articles: many(body.articles).map((a) => ({
          title: str(a.title), description: str(a.description), cover: str(a.picurl), url: str(a.url),
        })),
      };
    case 'mpnews': {
      const articles = many(body.articles).map((a) => ({
        title: str(a.title), description: str(a.digest),
        cover: mediaUrl(a.thumb_media_id), url: str(a.content_source_url || a.url),
      }));
      if (articles.length) return { type: 'news', articles };
      return { type: 'card', title: 'Article', description: `media_id ${str(body.media_id)}` };
    }
    case 'mpnewsarticle':
      return { type: 'card', title: 'Published article', description: `article_id ${str(body.article_id)}` };
    case 'msgmenu':
      return {
        type: 'msgmenu', head: str(body.head_content), tail: str(body.tail_content),
        options: many(body.list).map((o) => ({ id: str(o.id), content: str(o.content) })),
      };
    case 'wxcard': {
      const info = body.base_info || {};
      return {
        type: 'coupon', title: str(info.title) || 'Card', brand: str(info.brand_name),
        description: str(info.description) || `card_id ${str(body.card_id)}`,
      };
    }
    case 'miniprogrampage':
      return { type: 'mini', title: str(body.title), appid: str(body.appid), cover: mediaUrl(body.thumb_media_id) };
    default: return { type: 'unknown', label: `${type || 'unknown'} message` };
  }
}

/// An image that falls back to its background when it cannot load (covers often point to
/// hosts a sandbox cannot reach).
function picture(src, cls) {
  const wrap = h('div', { class: cls });
  const url = safeUrl(src);
  if (url) {
    const img = h('img', { src: url, alt: '', loading: 'lazy' });
    img.addEventListener('error', () => img.remove());
    wrap.append(img);
  }
  return wrap;
}

function linkOrDiv(url, cls, ...children) {
  const safe = safeUrl(url);
  return safe
    ? h('a', { class: cls, href: safe, target: '_blank', rel: 'noopener noreferrer' }, ...children)
    : h('div', { class: cls }, ...children);
}

function renderModel(model) {
  switch (model.type) {
    case 'text': return h('div', { class: 'bubble text' }, richText(model.text));
    case 'image': {
      const img = h('img', { class: 'image', src: model.src || '', alt: 'image' });
      return img;
    }
    case 'voice': {
      const bubble = h('div', { class: 'bubble voice' }, icon('voice'), h('span', { text: '3″' }));
      if (model.src) bubble.title = model.src;
      return bubble;
    }
    case 'video': {
      const card = h('div', { class: 'card-msg video' },
        h('div', { class: 'poster' }, h('div', { class: 'play' }, icon('play'))));
      if (model.title || model.description) {
        card.append(h('div', { class: 'card-body' },
          model.title ? h('div', { class: 'card-title', text: model.title }) : null,
          model.description ? h('div', { class: 'card-desc', text: model.description }) : null));
      }
      card.append(h('div', { class: 'card-foot', text: 'Video' }));
      return card;
    }
    case 'music':
      return linkOrDiv(model.url, 'card-msg music',
        h('div', { class: 'card-body' },
          h('div', { class: 'music-text' },
            h('div', { class: 'card-title', text: model.title || 'Music' }),
            model.description ? h('div', { class: 'card-desc', text: model.description }) : null),
          h('div', { class: 'music-art' }, icon('music'))),
        h('div', { class: 'card-foot', text: 'Music' }));
    case 'news': return renderNews(model.articles);
    case 'template': return renderTemplate(model.message, model.at);
    case 'msgmenu': {
      const bubble = h('div', { class: 'bubble menu-msg' });
      if (model.head) bubble.append(richText(model.head));
      for (const option of model.options) {
        bubble.append(h('button', {
          type: 'button', class: 'menu-option', text: option.content,
          onclick: () => sendMessage({ MsgType: 'text', Content: option.content, bizmsgmenuid: option.id }),
        }));
      }
      if (model.tail) bubble.append(h('div', {}, richText(model.tail)));
      return bubble;
    }
    case 'coupon':
      return h('div', { class: 'card-msg coupon' },
        h('div', { class: 'card-body' },
          h('div', { class: 'coupon-logo', text: (model.brand || 'C').slice(0, 1) }),
          h('div', {},
            h('div', { class: 'card-title', text: model.title }),
            h('div', { class: 'card-desc', text: model.brand || model.description }))),
        h('div', { class: 'card-foot', text: 'Card' }));
    case 'mini':
      return h('div', { class: 'card-msg mini' },
        h('div', { class: 'card-body' }, h('div', { class: 'card-title', text: model.title || 'Mini program' })),
        picture(model.cover, 'cover'),
        h('div', { class: 'card-foot' }, icon('mini'), h('span', { text: 'Mini program' })));
    case 'card':
      return h('div', { class: 'card-msg' },
        h('div', { class: 'card-body' },
          h('div', { class: 'card-title', text: model.title }),
          h('div', { class: 'card-desc', text: model.description })));
    default:
      return h('div', { class: 'bubble', text: `[${model.label}]` });
  }
}

function renderNews(articles) {
  if (articles.length === 0) return h('div', { class: 'bubble', text: '[news]' });
  if (articles.length === 1) {
    const a = articles[0];
    return linkOrDiv(a.url, 'card-msg news-card single-news',
      h('div', { class: 'card-body' },
        h('div', { class: 'card-title', text: a.title }),
        h('div', { class: 'news-row' },
          h('div', { class: 'card-desc', text: a.description }),
          picture(a.cover, 'thumb'))));
  }
  const [first, ...rest] = articles;
  const card = h('div', { class: 'card-msg news-card' });
  const cover = picture(first.cover, 'cover');
  cover.append(h('div', { class: 'cover-title', text: first.title }));
  card.append(linkOrDiv(first.url, 'news-first', cover));
  for (const a of rest) {
    card.append(linkOrDiv(a.url, 'news-item',
      h('div', { class: 'news-title', text: a.title }), picture(a.cover, 'thumb')));
  }
  return card;
}

/// A template message as WeChat draws it: the title, the date, then the template's lines with
/// their labels (`商品：{{keyword1.DATA}}`), or each field when the template is unknown.
function renderTemplate(m, at) {
  const data = m.data || {};
  const value = (key) => (data[key] && typeof data[key] === 'object' ? data[key] : { value: str(data[key]) });
  const styled = (el, key) => {
    const color = value(key).color;
    if (typeof color === 'string' && /^#[0-9a-f]{3,8}$/i.test(color)) el.style.color = color;
    return el;
  };
  const body = h('div', { class: 'card-body' },
    h('div', { class: 'card-title', text: str(m.title) || 'Template message' }),
    h('div', { class: 'tpl-date', text: new Date(at * 1000).toLocaleDateString('en', { month: 'short', day: 'numeric' }) }));
  const used = new Set();
  const placeholder = /\{\{\s*([A-Za-z0-9_]+)\.DATA\s*\}\}/;
  let rows = null;
  let seenRows = false;
  const row = (label, key) => {
    if (!rows) {
      rows = h('div', { class: 'tpl-rows' });
      body.append(rows);
      seenRows = true;
    }
    rows.append(h('div', { class: 'tpl-label', text: label }),
      styled(h('div', { class: 'tpl-value', text: str(value(key).value) }), key));
  };
  const lines = str(m.content).split('\n');
  for (const line of lines) {
    const found = line.match(placeholder);
    if (!found) {
      if (line.trim()) {
        rows = null;
        body.append(h('div', { class: 'tpl-first', text: line.trim() }));
      }
      continue;
    }
    const key = found[1];
    used.add(key);
    const label = line.slice(0, found.index).replace(/[：:]\s*$/, '').trim();
    if (label) {
      row(label, key);
    } else {
      rows = null;
      const cls = seenRows ? 'tpl-remark' : 'tpl-first';
      body.append(styled(h('div', { class: cls, text: str(value(key).value) }), key));
    }
  }
  for (const key of Object.keys(data)) if (!used.has(key)) row(key, key);
  const target = safeUrl(m.url);
  const foot = h('div', { class: 'card-foot' }, h('span', { class: 'grow', text: target || m.miniprogram ? 'View details' : (m.label || 'Template message') }), target || m.miniprogram ? '›' : null);
  return linkOrDiv(target, 'card-msg template', body, foot);
}

// ---------- what the follower did ----------

function buttonName(key, kind) {
  const buttons = (state.menu && state.menu.button) || [];
  for (const top of buttons) {
    for (const b of [top, ...(top.sub_button || [])]) {
      if (kind === 'VIEW' ? b.url === key : b.key === key) return b.name;
    }
  }
  return null;
}

function eventText(m) {
  const key = str(m.EventKey);
  const named = (kind) => {
    const name = buttonName(key, kind);
    return name ? `“${name}”` : key;
  };
  switch (m.Event) {
    case 'subscribe':
      return key.startsWith('qrscene_')
        ? `You followed the account by scanning the QR code for scene ${key.slice(8)}`
        : 'You followed the account';
    case 'unsubscribe': return 'You unfollowed the account';
    case 'SCAN': return `You scanned the QR code for scene ${key}`;
    case 'CLICK': return `You tapped ${named('CLICK')} (${key})`;
    case 'VIEW': return `You opened ${named('VIEW')}`;
    case 'scancode_push':
    case 'scancode_waitmsg': {
      const info = m.ScanCodeInfo || {};
      return `You scanned a code with ${named(m.Event)}: ${str(info.ScanResult)}`;
    }
    case 'pic_sysphoto':
    case 'pic_photo_or_album':
    case 'pic_weixin': {
      const info = m.SendPicsInfo || {};
      return `You sent ${str(info.Count) || 1} picture(s) with ${named(m.Event)}`;
    }
    case 'location_select': {
      const info = m.SendLocationInfo || {};
      return `You picked a location with ${named(m.Event)}: ${str(info.Label) || `${str(info.Location_X)}, ${str(info.Location_Y)}`}`;
    }
    case 'view_miniprogram': return `You opened the mini-program page ${key}`;
    case 'LOCATION': return 'Your location was reported';
    default: return `Event ${str(m.Event)}${key ? ` (${key})` : ''}`;
  }
}

function sentModel(m) {
  switch (m.MsgType) {
    case 'text': return { type: 'text', text: str(m.Content) };
    case 'image': return { type: 'image', src: mediaUrl(m.MediaId) };
    case 'voice': return { type: 'voice', src: mediaUrl(m.MediaId) };
    case 'video':
    case 'shortvideo': return { type: 'video', src: mediaUrl(m.MediaId) };
    case 'location': return { type: 'location', label: str(m.Label), x: str(m.Location_X), y: str(m.Location_Y) };
    case 'link': return { type: 'link', title: str(m.Title), description: str(m.Description), url: str(m.Url) };
    default: return { type: 'unknown', label: `${m.MsgType} message` };
  }
}

function renderSent(model) {
  if (model.type === 'location') {
    return h('div', { class: 'card-msg location' },
      h('div', { class: 'card-body' },
        h('div', { class: 'card-title', text: model.label || 'Location' }),
        h('div', { class: 'card-desc', text: `${model.x}, ${model.y}` })),
      h('div', { class: 'map' }, icon('pin')));
  }
  if (model.type === 'link') {
    return linkOrDiv(model.url, 'card-msg link-card',
      h('div', { class: 'card-body' },
        h('div', { class: 'link-text' },
          h('div', { class: 'card-title', text: model.title || model.url }),
          model.description ? h('div', { class: 'card-desc', text: model.description }) : null),
        h('div', { class: 'link-art' }, icon('link'))));
  }
  return renderModel(model);
}

// ---------- the chat ----------

/// The node drawn for `key`, drawn again only when its `version` changed, so that pictures and
/// opened details survive the polls.
function cached(cache, key, version, render) {
  let node = cache.get(key);
  if (!node || node.dataset.version !== version) {
    node = render();
    node.dataset.version = version;
    cache.set(key, node);
  }
  return node;
}

function forgetOthers(cache, keep) {
  for (const key of cache.keys()) if (!keep.has(key)) cache.delete(key);
}

/// Puts `nodes` in `container` unless they are there already; whether anything changed.
function showNodes(container, nodes) {
  const current = [...container.children];
  if (current.length === nodes.length && current.every((n, i) => n === nodes[i])) return false;
  container.replaceChildren(...nodes);
  return true;
}

const CAPTIONS = {
  reply: null, custom: 'customer service', mass: 'mass message', template: null,
  subscribe: 'subscription notification', one_time: 'one-time subscription',
};

function renderEntry(entry) {
  const m = entry.message || {};
  if (entry.side === 'follower') {
    if (m.MsgType === 'event') return h('div', { class: 'system event', text: eventText(m) });
    const content = h('div', { class: 'content' }, renderSent(sentModel(m)));
    const row = h('div', { class: 'row follower', dataset: { key: entry.key } }, avatarOf(state.openid), content);
    if (entry.outcome === 'pending') row.append(h('div', { class: 'row-status' }, h('div', { class: 'spinner', title: 'The webhook has not answered yet' })));
    return row;
  }
  const model = normalize(entry.kind, m, entry.at);
  if (model.type === 'notice') return h('div', { class: 'system notice', text: model.text });
  const content = h('div', { class: 'content' }, renderModel(model));
  const caption = m.preview ? 'mass preview' : CAPTIONS[entry.kind];
  if (caption) content.append(h('div', { class: 'caption', text: caption }));
  return h('div', { class: `row account kind-${entry.kind}`, dataset: { key: entry.key } }, accountAvatar(), content);
}

function renderConversation(entries) {
  const nodes = [];
  let lastAt = null;
  const keep = new Set();
  for (const entry of entries) {
    if (lastAt === null || entry.at - lastAt >= TIME_GAP) {
      const key = `t${entry.key}`;
      nodes.push(cached(state.chatNodes, key, '', () => h('div', { class: 'time-sep', text: chatTime(entry.at) })));
      keep.add(key);
    }
    lastAt = entry.at;
    nodes.push(cached(state.chatNodes, entry.key, entry.outcome || '', () => renderEntry(entry)));
    keep.add(entry.key);
  }
  forgetOthers(state.chatNodes, keep);
  const before = ui.messages.childElementCount;
  if (!showNodes(ui.messages, nodes)) return;
  if (state.stick || nodes.length > before) {
    state.stick = true;
    scrollToEnd();
  }
}

function scrollToEnd() {
  ui.chat.scrollTop = ui.chat.scrollHeight;
}

// ---------- acting ----------

async function act(path, body) {
  try {
    const answer = await call(path, { method: 'POST', body });
    poll();
    return answer;
  } catch (error) {
    toast(error.message);
    poll();
    return null;
  }
}

function sendMessage(message) {
  const pending = act('/sandbox/push', { from: state.openid, app_id: appParam(), message });
  // The push answers once the webhook did: show the follower's side at once.
  setTimeout(poll, 150);
  return pending;
}

const SAMPLES = {
  image: { MsgType: 'image' },
  voice: { MsgType: 'voice', Format: 'amr' },
  video: { MsgType: 'video' },
  location: { MsgType: 'location', Location_X: 23.134521, Location_Y: 113.358803, Scale: 20, Label: 'Canton Tower, Haizhu District, Guangzhou' },
  link: { MsgType: 'link', Title: 'wxoa', Description: 'A Rust toolkit for the backend of an Official Account', Url: 'https://github.com/wxoa/wxoa' },
};

function follow() {
  return sendMessage({ MsgType: 'event', Event: 'subscribe' });
}

function unfollow() {
  return act('/sandbox/push', { from: state.openid, app_id: appParam(), message: { MsgType: 'event', Event: 'unsubscribe' } });
}

function scan(ticket) {
  return act('/sandbox/scan', { from: state.openid, ticket });
}

async function click(path, button) {
  closeSubmenu();
  const type = button.type;
  if (type === 'scancode_push' || type === 'scancode_waitmsg') {
    openScanSheet(path, button);
    return;
  }
  const answer = await act('/sandbox/click', { from: state.openid, app_id: appParam(), button: path });
  if (answer && (type === 'view' || type === 'miniprogram')) openWebview(button);
}

function openScanSheet(path, button) {
  const input = h('input', { type: 'text', value: 'https://example.com/product/42', 'aria-label': 'What the code says' });
  const close = () => { ui.sheet.hidden = true; ui.sheet.replaceChildren(); };
  const submit = async (event) => {
    event.preventDefault();
    close();
    await act('/sandbox/click', { from: state.openid, app_id: appParam(), button: path, scan_result: input.value });
  };
  ui.sheet.replaceChildren(h('form', { class: 'sheet-panel', onsubmit: submit },
    h('h2', { text: `Scan with “${button.name}”` }),
    h('p', { text: 'What the scanned code says:' }),
    input,
    h('div', { class: 'sheet-actions' },
      h('button', { type: 'button', class: 'secondary-action', text: 'Cancel', onclick: close }),
      h('button', { type: 'submit', class: 'primary-action', text: 'Scan' }))));
  ui.sheet.hidden = false;
  input.focus();
}

function openWebview(button) {
  const url = button.type === 'miniprogram' ? `${button.appid} ${button.pagepath}` : button.url;
  const safe = safeUrl(button.url);
  const close = () => { ui.sheet.hidden = true; ui.sheet.replaceChildren(); };
  ui.sheet.replaceChildren(h('div', { class: 'sheet-panel' },
    h('h2', { text: button.type === 'miniprogram' ? 'Mini program' : 'Web page' }),
    h('p', { text: `WeChat opens ${url}` }),
    h('div', { class: 'sheet-actions' },
      h('button', { type: 'button', class: 'secondary-action', text: 'Close', onclick: close }),
      safe ? h('a', { class: 'primary-action', href: safe, target: '_blank', rel: 'noopener noreferrer', text: 'Open in a new tab', onclick: close }) : null)));
  ui.sheet.hidden = false;
}

// ---------- subscription notifications ----------

/// What the follower said to a template so far.
function consentText(t) {
  if (t.status === 'accept') return t.type === 2 ? `allowed · ${t.sends_left} left` : 'allowed';
  if (t.status === 'reject') return 'turned off';
  return 'not asked yet';
}

/// The sheet WeChat shows when a page or an article asks to send notifications: the account's
/// templates, each ticked, and Reject / Allow. The answer goes to the account as a
/// `subscribe_msg_popup_event`, which is also how the sandbox records the consent.
async function openConsentSheet() {
  ui.extras.hidden = true;
  let answer;
  try {
    answer = await call(`/sandbox/subscriptions/${encodeURIComponent(state.openid)}${query({ app_id: appParam() })}`);
  } catch (error) {
    toast(error.message);
    return;
  }
  const templates = answer.templates || [];
  const close = () => { ui.sheet.hidden = true; ui.sheet.replaceChildren(); };
  const head = h('div', { class: 'consent-head' }, accountAvatar(), h('span', { class: 'consent-name', text: ui.accountName.textContent }));
  if (templates.length === 0) {
    ui.sheet.replaceChildren(h('div', { class: 'sheet-panel consent-sheet' }, head,
      h('p', { text: 'The account has no subscription templates yet: add one with /wxaapi/newtmpl/addtemplate.' }),
      h('div', { class: 'sheet-actions' }, h('button', { type: 'button', class: 'secondary-action', text: 'Close', onclick: close }))));
    ui.sheet.hidden = false;
    return;
  }
  const boxes = templates.map((t) => h('input', { type: 'checkbox', checked: true, value: t.priTmplId }));
  const rows = templates.map((t, i) => h('label', { class: 'consent-row', dataset: { template: t.priTmplId } },
    h('span', { class: 'consent-text' },
      h('span', { class: 'consent-title', text: t.title }),
      h('span', { class: 'consent-meta', text: `${t.type === 3 ? 'long-term' : 'one-time'} · ${consentText(t)}` })),
    boxes[i]));
  const reply = async (accepted) => {
    close();
    const list = templates.map((t, i) => ({
      TemplateId: t.priTmplId,
      SubscribeStatusString: accepted(i) ? 'accept' : 'reject',
      PopupScene: 1,
    }));
    const pushed = await sendMessage({ MsgType: 'event', Event: 'subscribe_msg_popup_event', SubscribeMsgPopupEvent: { List: list } });
    if (pushed) {
      const allowed = list.filter((l) => l.SubscribeStatusString === 'accept').length;
      toast(allowed ? `You allowed ${allowed} notification${allowed === 1 ? '' : 's'}` : 'You rejected the notifications');
    }
  };
  const submit = (event) => {
    event.preventDefault();
    reply((i) => boxes[i].checked);
  };
  ui.sheet.replaceChildren(h('form', { class: 'sheet-panel consent-sheet', onsubmit: submit },
    head,
    h('p', { class: 'consent-ask', text: 'wants to send you the following notifications' }),
    h('div', { class: 'consent-list' }, rows),
    h('div', { class: 'sheet-actions consent-actions' },
      h('button', { type: 'button', class: 'secondary-action', id: 'consent-reject', text: 'Reject', onclick: () => reply(() => false) }),
      h('button', { type: 'submit', class: 'primary-action', id: 'consent-allow', text: 'Allow' }))));
  ui.sheet.hidden = false;
}

// ---------- the menu ----------

function closeSubmenu() {
  ui.submenu.hidden = true;
  ui.submenu.replaceChildren();
  for (const b of ui.menuButtons.querySelectorAll('.open')) b.classList.remove('open');
}

function openSubmenu(index, button, element) {
  const wasOpen = element.classList.contains('open');
  closeSubmenu();
  if (wasOpen) return;
  element.classList.add('open');
  button.sub_button.forEach((sub, j) => {
    ui.submenu.append(h('button', {
      type: 'button', class: 'submenu-item', text: sub.name, dataset: { path: `${index},${j}` },
      onclick: () => click([index, j], sub),
    }));
  });
  ui.submenu.hidden = false;
  const screen = ui.submenu.parentElement.getBoundingClientRect();
  const rect = element.getBoundingClientRect();
  const width = Math.max(rect.width - 12, 110);
  ui.submenu.style.width = `${width}px`;
  const left = Math.min(Math.max(rect.left - screen.left + rect.width / 2 - width / 2, 8), screen.width - width - 8);
  ui.submenu.style.left = `${left}px`;
  ui.submenu.style.bottom = `${screen.bottom - rect.top + 10}px`;
}

function renderMenu() {
  const buttons = (state.menu && state.menu.button) || [];
  const nodes = buttons.map((button, index) => {
    const subs = Array.isArray(button.sub_button) && button.sub_button.length > 0;
    const element = h('button', {
      type: 'button', class: 'menu-button', dataset: { path: String(index) },
    }, subs ? icon('subs', 'subs-icon') : null, h('span', { text: button.name }));
    element.addEventListener('click', () => (subs ? openSubmenu(index, button, element) : click([index], button)));
    return element;
  });
  if (nodes.length === 0) nodes.push(h('div', { class: 'empty-menu', text: 'The account has no menu' }));
  closeSubmenu();
  ui.menuButtons.replaceChildren(...nodes);
  if (buttons.length === 0 && !ui.menubar.hidden) showInput(false);
}

function showInput(focus) {
  closeSubmenu();
  ui.menubar.hidden = true;
  ui.inputbar.hidden = false;
  if (focus) ui.textInput.focus();
}

function showMenu() {
  ui.extras.hidden = true;
  ui.inputbar.hidden = true;
  ui.menubar.hidden = false;
}

// ---------- the panel ----------

/// Plaintext XML, indented, with its tags coloured.
function prettyXml(xml) {
  const pre = h('pre', { class: 'xml' });
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  if (!xml || doc.getElementsByTagName('parsererror').length) {
    pre.textContent = xml || '';
    return pre;
  }
  const walk = (el, depth) => {
    const pad = '  '.repeat(depth);
    const children = [...el.childNodes].filter((n) => n.nodeType === Node.ELEMENT_NODE);
    if (children.length === 0) {
      pre.append(pad, h('span', { class: 'x-tag', text: `<${el.nodeName}>` }));
      for (const node of el.childNodes) {
        if (node.nodeType === Node.CDATA_SECTION_NODE) {
          pre.append(h('span', { class: 'x-cdata', text: '<![CDATA[' }), h('span', { class: 'x-text', text: node.data }), h('span', { class: 'x-cdata', text: ']]>' }));
        } else if (node.nodeType === Node.TEXT_NODE) {
          pre.append(h('span', { class: 'x-text', text: node.data }));
        }
      }
      pre.append(h('span', { class: 'x-tag', text: `</${el.nodeName}>` }), '\n');
      return;
    }
    pre.append(pad, h('span', { class: 'x-tag', text: `<${el.nodeName}>` }), '\n');
    for (const child of children) walk(child, depth + 1);
    pre.append(pad, h('span', { class: 'x-tag', text: `</${el.nodeName}>` }), '\n');
  };
  walk(doc.documentElement, 0);
  return pre;
}

function prettyJson(value) {
  return h('pre', { class: 'json', text: JSON.stringify(value, null, 2) });
}

function fieldsOf(xml) {
  const doc = new DOMParser().parseFromString(xml || '<xml/>', 'text/xml');
  const text = (name) => {
    const el = doc.documentElement.getElementsByTagName(name)[0];
    return el ? el.textContent : '';
  };
  return { msgType: text('MsgType'), event: text('Event'), key: text('EventKey'), content: text('Content') };
}

const OUTCOMES = {
  pending: 'waiting for the webhook', reply: 'reply', no_reply: 'no reply', failed: 'failed',
  invalid: 'invalid reply', no_webhook: 'no webhook',
};

function renderPush(p) {
  const f = fieldsOf(p.xml);
  const what = f.msgType === 'event' ? `event ${f.event}` : f.msgType;
  const detail = f.msgType === 'event' ? f.key : f.content;
  const replyType = p.reply && p.reply.MsgType ? `: ${p.reply.MsgType}` : '';
  const elapsed = p.attempts.reduce((sum, a) => sum + (a.elapsed_ms || 0), 0);
  const head = h('div', { class: 'entry-head' },
    h('span', { class: 'what', text: what }),
    detail ? h('code', { class: 'detail', text: detail }) : null,
    h('span', { class: 'grow' }),
    h('span', { class: `pill ${p.outcome}`, text: `${OUTCOMES[p.outcome] || p.outcome}${replyType}` }),
    h('span', { class: 'entry-meta', text: `#${p.id} · ${p.attempts.length} attempt${p.attempts.length === 1 ? '' : 's'} · ${elapsed} ms${p.mode ? ` · ${p.mode}` : ''}` }));
  const item = h('li', { class: 'entry push', dataset: { id: String(p.id) } }, head);
  const section = (title, content, open) => {
    const details = h('details', open ? { open: true } : {}, h('summary', { text: title }), content);
    item.append(details);
  };
  section('Push — plaintext XML', prettyXml(p.xml), true);
  if (p.body && p.body !== p.xml) section(`Sent body (${p.mode} mode)`, prettyXml(p.body), false);
  if (p.reply_xml) section('Reply — plaintext XML', prettyXml(p.reply_xml), true);
  if (p.raw !== null && p.raw !== undefined && p.raw !== p.reply_xml) section('Answer as received', prettyXml(p.raw), !p.reply_xml);
  if (p.attempts.length > 1 || p.attempts.some((a) => a.error)) {
    section('Attempts', h('ol', { class: 'attempts' }, p.attempts.map((a) => h('li', {
      text: `${a.status ? `HTTP ${a.status}` : 'no answer'} after ${a.elapsed_ms} ms${a.error ? ` — ${a.error}` : ''}`,
    }))), false);
  }
  if (p.error) item.append(h('div', { class: 'entry-error', text: p.error }));
  return item;
}

function renderPushes(list) {
  ui.pushesEmpty.hidden = list.length > 0;
  ui.pushesCount.textContent = list.length ? String(list.length) : '';
  const newestFirst = [...list].reverse();
  const nodes = newestFirst.map((p) => cached(state.pushNodes, p.id, `${p.outcome}:${p.attempts.length}`, () => renderPush(p)));
  forgetOthers(state.pushNodes, new Set(newestFirst.map((p) => p.id)));
  showNodes(ui.pushes, nodes);
}

function renderCall(c) {
  const ok = c.errcode === 0;
  const head = h('div', { class: 'entry-head' },
    h('span', { class: `method ${c.method}`, text: c.method }),
    h('code', { text: c.path }),
    h('span', { class: 'grow' }),
    c.fault ? h('span', { class: 'pill error', text: `fault: ${c.fault}` }) : null,
    h('span', { class: `pill ${ok ? 'ok' : 'error'}`, text: c.errcode === null ? 'dropped' : `errcode ${c.errcode}` }),
    h('span', { class: 'entry-meta', text: `#${c.seq} · ${chatTime(c.at)}${c.listener && c.listener !== 'api' ? ` · ${c.listener}` : ''}` }));
  const item = h('li', { class: 'entry call', dataset: { seq: String(c.seq) } }, head);
  if (c.query && Object.keys(c.query).length) {
    item.append(h('details', {}, h('summary', { text: 'Query' }), prettyJson(c.query)));
  }
  if (c.body !== null && c.body !== undefined && c.body !== '') {
    item.append(h('details', {}, h('summary', { text: 'Body' }), typeof c.body === 'string' ? h('pre', { text: c.body }) : prettyJson(c.body)));
  }
  return item;
}

function addCalls(list) {
  for (const c of list) {
    ui.calls.prepend(renderCall(c));
    state.lastCall = Math.max(state.lastCall, c.seq);
  }
  while (ui.calls.childElementCount > SHOWN_CALLS) ui.calls.lastElementChild.remove();
  ui.callsEmpty.hidden = ui.calls.childElementCount > 0;
  ui.callsCount.textContent = ui.calls.childElementCount ? String(ui.calls.childElementCount) : '';
}

function expiry(code) {
  if (code.permanent) return 'permanent';
  const left = code.expires_at - now();
  if (left > 86400) return `expires in ${Math.round(left / 86400)} d`;
  if (left > 3600) return `expires in ${Math.round(left / 3600)} h`;
  if (left > 60) return `expires in ${Math.round(left / 60)} min`;
  return `expires in ${Math.max(left, 0)} s`;
}

function renderQrCodes(list) {
  const signature = JSON.stringify(list.map((c) => [c.ticket, c.expires_at])) + state.openid;
  ui.qrcodesEmpty.hidden = list.length > 0;
  ui.qrcodesCount.textContent = list.length ? String(list.length) : '';
  if (signature === state.qrSignature) return;
  state.qrSignature = signature;
  ui.qrcodes.replaceChildren(...list.map((code) => {
    const card = code.cards && code.cards.length;
    return h('li', { class: 'qr' },
      h('img', { src: `/sandbox/qrcode${query({ ticket: code.ticket })}`, alt: `QR code ${code.scene}`, loading: 'lazy' }),
      h('div', { class: 'qr-scene', text: card ? `Card ${code.cards[0]}` : `Scene ${code.scene}` }),
      h('div', { class: 'qr-meta', text: `${code.action_name} · ${expiry(code)}` }),
      h('button', {
        type: 'button', class: 'primary qr-scan', dataset: { ticket: code.ticket, scene: code.scene },
        text: 'Scan with this phone', onclick: () => scan(code.ticket),
      }));
  }));
}

function renderStatus(user) {
  state.status = user;
  const following = user && user.subscribe === 1;
  const parts = [];
  if (following) {
    parts.push(h('span', { class: 'badge following', text: 'Following' }));
    const since = user.subscribe_time ? ` since ${chatTime(user.subscribe_time)}` : '';
    const scene = user.qr_scene_str || (user.qr_scene ? String(user.qr_scene) : '');
    parts.push(h('span', { class: 'muted', text: `${since} · ${user.subscribe_scene}${scene ? ` (scene ${scene})` : ''}` }));
  } else {
    parts.push(h('span', { class: 'badge visitor', text: 'Not following' }));
    parts.push(h('span', { class: 'muted', text: ' a visitor: scan a QR code or follow' }));
  }
  if (user && user.blacklisted) parts.push(' ', h('span', { class: 'badge blocked', text: 'Blacklisted' }));
  ui.followerStatus.replaceChildren(...parts);
  ui.followButton.hidden = following;
  ui.unfollowButton.hidden = !following;
  ui.followCard.hidden = following;
}

function renderFollowers() {
  const ids = new Set();
  const options = [];
  const add = (openid, label) => {
    if (ids.has(openid)) return;
    ids.add(openid);
    options.push(h('option', { value: openid, text: label }));
  };
  for (const openid of state.followers) add(openid, shortId(openid));
  for (const openid of state.visitors) add(openid, `${shortId(openid)} (visitor)`);
  if (state.openid) add(state.openid, shortId(state.openid));
  ui.followerSelect.replaceChildren(...options);
  ui.followerSelect.value = state.openid;
}

function renderWebhook(webhook) {
  ui.webhookStatus.replaceChildren(webhook
    ? h('span', {}, h('span', { class: 'ok', text: '● ' }), `pushes go to ${(webhook.urls || [webhook.url]).join(', ')}${(webhook.urls || []).length > 1 ? ' (round-robin)' : ''} (${webhook.mode} mode)`)
    : h('span', {}, h('span', { class: 'off', text: '● ' }), 'no webhook: pushes go nowhere'));
}

// ---------- followers ----------

function loadVisitors() {
  try {
    const list = JSON.parse(localStorage.getItem(VISITORS_KEY) || '[]');
    return Array.isArray(list) ? list.filter((v) => typeof v === 'string') : [];
  } catch (_) {
    return [];
  }
}

function saveVisitors() {
  try { localStorage.setItem(VISITORS_KEY, JSON.stringify(state.visitors.slice(-20))); } catch (_) { /* private mode */ }
}

/// An OpenID nobody has used: `o` and 27 characters of the OpenID alphabet.
function newOpenId() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const bytes = new Uint8Array(27);
  crypto.getRandomValues(bytes);
  return `o${[...bytes].map((b) => alphabet[b % 64]).join('')}`;
}

function selectFollower(openid) {
  if (!openid || openid === state.openid) return;
  state.openid = openid;
  try { localStorage.setItem(FOLLOWER_KEY, openid); } catch (_) { /* private mode */ }
  state.chatNodes.clear();
  state.pushNodes.clear();
  state.menuSignature = '';
  state.qrSignature = '';
  ui.messages.replaceChildren();
  ui.pushes.replaceChildren();
  renderFollowers();
  poll();
}

// ---------- polling ----------

async function poll() {
  if (state.polling) {
    state.again = true;
    return;
  }
  state.polling = true;
  try {
    do {
      state.again = false;
      await pollOnce();
    } while (state.again);
  } finally {
    state.polling = false;
  }
}

async function pollOnce() {
  const slow = state.polls % SLOW_EVERY === 0;
  state.polls += 1;
  if (slow) await pollSlow();
  if (!state.openid) return;
  const openid = encodeURIComponent(state.openid);
  const app = appParam();
  const [conversation, pushes, calls, menu, qrcodes, user] = await Promise.allSettled([
    call(`/sandbox/conversation/${openid}${query({ app_id: app })}`),
    call(`/sandbox/pushes${query({ from: state.openid, app_id: app, limit: 40 })}`),
    call(`/sandbox/calls${query({ after: state.lastCall, limit: 100 })}`),
    call(`/sandbox/menu${query({ openid: state.openid, app_id: app })}`),
    call(`/sandbox/qrcodes${query({ app_id: app })}`),
    call(`/sandbox/followers/${openid}${query({ app_id: app })}`),
  ]);
  if (menu.status === 'fulfilled') {
    const signature = JSON.stringify(menu.value.menu);
    if (signature !== state.menuSignature) {
      state.menuSignature = signature;
      state.menu = menu.value.menu;
      renderMenu();
    }
  }
  if (user.status === 'fulfilled') renderStatus(user.value);
  if (conversation.status === 'fulfilled') renderConversation(conversation.value);
  if (pushes.status === 'fulfilled') renderPushes(pushes.value);
  if (calls.status === 'fulfilled') addCalls(calls.value);
  if (qrcodes.status === 'fulfilled') renderQrCodes(qrcodes.value);
  document.body.dataset.ready = 'true';
}

async function pollSlow() {
  const [accounts, clock, webhook] = await Promise.allSettled([
    call('/sandbox/accounts'), call('/sandbox/clock'), call('/sandbox/webhook'),
  ]);
  if (accounts.status === 'fulfilled') {
    state.accounts = accounts.value;
    if (!state.appId || !state.accounts.some((a) => a.app_id === state.appId)) {
      state.appId = state.accounts.length ? state.accounts[0].app_id : null;
    }
    const account = state.accounts.find((a) => a.app_id === state.appId);
    const name = account ? account.original_id : 'Official Account';
    ui.accountName.textContent = name;
    ui.followName.textContent = name;
    ui.accountPicker.hidden = state.accounts.length < 2;
    if (state.accounts.length > 1 && ui.accountSelect.childElementCount !== state.accounts.length) {
      ui.accountSelect.replaceChildren(...state.accounts.map((a) => h('option', { value: a.app_id, text: `${a.original_id} (${a.app_id})` })));
      ui.accountSelect.value = state.appId;
    }
  }
  if (clock.status === 'fulfilled') {
    state.clockOffset = clock.value.now - Math.floor(Date.now() / 1000);
    ui.statusTime.textContent = clockText(now());
  }
  if (webhook.status === 'fulfilled') {
    renderWebhook(webhook.value);
  } else {
    ui.webhookStatus.replaceChildren(h('span', { class: 'off', text: '● ' }), 'the sandbox does not answer');
  }
  try {
    const list = await call(`/sandbox/followers${query({ limit: 50, app_id: appParam() })}`);
    state.followers = list.openids;
  } catch (_) {
    state.followers = [];
  }
  if (!state.openid) {
    let remembered = null;
    try { remembered = localStorage.getItem(FOLLOWER_KEY); } catch (_) { /* private mode */ }
    state.openid = remembered || state.followers[0] || state.visitors[0] || null;
    if (!state.openid) {
      state.openid = newOpenId();
      state.visitors.push(state.openid);
      saveVisitors();
    }
  }
  renderFollowers();
}

// ---------- wiring ----------

function bind() {
  const ids = {
    chat: 'chat', messages: 'messages', menubar: 'menubar', menuButtons: 'menu-buttons',
    inputbar: 'inputbar', textInput: 'text-input', sendButton: 'send-button', extras: 'extras',
    submenu: 'submenu', sheet: 'sheet', toast: 'toast', statusTime: 'status-time',
    accountName: 'account-name', followName: 'follow-name', followCard: 'follow-card',
    followerSelect: 'follower-select', followerStatus: 'follower-status',
    followButton: 'follow-button', unfollowButton: 'unfollow-button',
    webhookStatus: 'webhook-status', accountPicker: 'account-picker', accountSelect: 'account-select',
    pushes: 'pushes', pushesEmpty: 'pushes-empty', pushesCount: 'pushes-count',
    calls: 'calls', callsEmpty: 'calls-empty', callsCount: 'calls-count',
    qrcodes: 'qrcodes', qrcodesEmpty: 'qrcodes-empty', qrcodesCount: 'qrcodes-count',
  };
  for (const [name, id] of Object.entries(ids)) ui[name] = document.getElementById(id);

  document.getElementById('to-keyboard').addEventListener('click', () => showInput(true));
  document.getElementById('to-menu').addEventListener('click', showMenu);
  document.getElementById('plus').addEventListener('click', () => { ui.extras.hidden = !ui.extras.hidden; });
  ui.textInput.addEventListener('input', () => { ui.sendButton.hidden = ui.textInput.value === ''; });
  document.getElementById('compose').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.textInput.value;
    if (!text.trim()) return;
    ui.textInput.value = '';
    ui.sendButton.hidden = true;
    sendMessage({ MsgType: 'text', Content: text });
  });
  for (const button of ui.extras.querySelectorAll('[data-sample]')) {
    button.addEventListener('click', () => {
      ui.extras.hidden = true;
      sendMessage({ ...SAMPLES[button.dataset.sample] });
    });
  }
  document.getElementById('open-consent').addEventListener('click', openConsentSheet);
  ui.followButton.addEventListener('click', follow);
  document.getElementById('follow-card-button').addEventListener('click', follow);
  ui.unfollowButton.addEventListener('click', unfollow);
  ui.followerSelect.addEventListener('change', () => selectFollower(ui.followerSelect.value));
  ui.accountSelect.addEventListener('change', () => {
    state.appId = ui.accountSelect.value;
    state.openid = null;
    state.polls = 0;
    state.chatNodes.clear();
    state.pushNodes.clear();
    state.menuSignature = '';
    ui.messages.replaceChildren();
    ui.pushes.replaceChildren();
    poll();
  });
  document.getElementById('new-visitor').addEventListener('click', () => {
    const openid = newOpenId();
    state.visitors.push(openid);
    saveVisitors();
    selectFollower(openid);
  });
  for (const tab of document.querySelectorAll('[data-tab]')) {
    tab.addEventListener('click', () => {
      for (const other of document.querySelectorAll('[data-tab]')) {
        other.classList.toggle('active', other === tab);
        document.getElementById(`tab-${other.dataset.tab}`).hidden = other !== tab;
      }
    });
  }
  ui.chat.addEventListener('scroll', () => {
    state.stick = ui.chat.scrollHeight - ui.chat.scrollTop - ui.chat.clientHeight < 60;
  });
  // The keyboard, the samples and the menu change the height of the chat.
  new ResizeObserver(() => { if (state.stick) scrollToEnd(); }).observe(ui.chat);
  // Pictures change the height of the chat when they arrive.
  ui.chat.addEventListener('load', () => { if (state.stick) scrollToEnd(); }, true);
  document.addEventListener('click', (event) => {
    if (!ui.submenu.hidden && !event.target.closest('.submenu') && !event.target.closest('.menu-button')) closeSubmenu();
  });
  setInterval(() => { ui.statusTime.textContent = clockText(now()); }, 10000);
}

function loop() {
  poll().finally(() => setTimeout(loop, document.hidden ? POLL_MS * 5 : POLL_MS));
}

bind();
loop();
