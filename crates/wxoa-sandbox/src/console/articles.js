// The articles of the account's news mass sends and publications, as a follower reads them:
// the panel's Articles tab lists them, and Read opens one on the phone with its comments (the
// elected ones and the follower's own, each with the account's reply) and a box to write one,
// sent through POST /sandbox/comments. Uses console.js's helpers (h, call, query, toast, …).
'use strict';

const ARTICLES_POLL_MS = 2000;

const articles = {
  signature: '',
  /// The article open on the phone: {msg_data_id, index}, or null.
  open: null,
};

/// The article's body as text: its HTML is parsed, never inserted, so nothing in it runs.
function articleText(html) {
  const parsed = new DOMParser().parseFromString(str(html), 'text/html');
  return (parsed.body.textContent || '').trim();
}

function articleKey(a) {
  return `${a.msg_data_id}_${a.index}`;
}

function renderArticles(list) {
  const signature = JSON.stringify(list);
  if (signature === articles.signature) return;
  articles.signature = signature;
  const container = document.getElementById('articles');
  document.getElementById('articles-empty').hidden = list.length > 0;
  document.getElementById('articles-count').textContent = list.length ? String(list.length) : '';
  container.replaceChildren(...list.map((a) => h('li', { class: 'article-item', dataset: { article: articleKey(a) } },
    h('div', { class: 'article-item-text' },
      h('div', { class: 'article-item-title', text: a.title || '(untitled)' }),
      h('div', {
        class: 'article-item-meta',
        text: `${a.source === 'mass' ? 'mass send' : 'published'} · msg_data_id ${a.msg_data_id} · index ${a.index} · `
          + `${a.open ? `${a.comments} comment${a.comments === 1 ? '' : 's'}` : 'comments closed'}`,
      })),
    h('button', {
      type: 'button', class: 'ghost article-read', text: 'Read', dataset: { article: articleKey(a) },
      onclick: () => openArticle(a.msg_data_id, a.index),
    }))));
}

function renderComment(c) {
  return h('li', { class: `article-comment${c.mine ? ' mine' : ''}${c.comment_type === 1 ? ' elected' : ''}`, dataset: { comment: String(c.user_comment_id) } },
    h('div', { class: 'article-comment-head' },
      avatarOf(c.openid),
      h('span', { class: 'article-comment-who', text: c.mine ? 'You' : shortId(c.openid) }),
      h('span', { class: 'article-comment-tag', text: c.comment_type === 1 ? 'Elected' : 'Only you see it until it is elected' })),
    h('div', { class: 'article-comment-text', text: c.content }),
    c.reply ? h('div', { class: 'article-reply' }, h('span', { class: 'article-reply-who', text: 'Author: ' }), c.reply.content) : null);
}

/// Opens an article on the phone: its text, its comments as the follower sees them, and the
/// comment box (or why there is none).
async function openArticle(msgDataId, index) {
  let article;
  try {
    article = await call(`/sandbox/articles/${msgDataId}/${index}${query({ openid: state.openid, app_id: appParam() })}`);
  } catch (error) {
    toast(error.message);
    return;
  }
  articles.open = { msg_data_id: msgDataId, index };
  const close = () => { articles.open = null; ui.sheet.hidden = true; ui.sheet.replaceChildren(); };
  const input = h('textarea', { id: 'comment-input', rows: 3, placeholder: 'Write a comment', 'aria-label': 'Your comment' });
  const submit = async (event) => {
    event.preventDefault();
    const content = input.value;
    if (!content.trim()) return;
    const written = await act('/sandbox/comments', {
      msg_data_id: msgDataId, index, from: state.openid, content, app_id: appParam(),
    });
    if (written) {
      toast('Comment sent: only you see it until the author elects it');
      openArticle(msgDataId, index);
    }
  };
  const comments = article.visible_comments || [];
  const box = article.open
    ? h('form', { class: 'comment-box', onsubmit: submit }, input,
      h('button', { type: 'submit', class: 'primary-action', id: 'comment-send', text: 'Send' }))
    : h('p', { class: 'comments-closed', text: 'The author turned comments off.' });
  ui.sheet.replaceChildren(h('div', { class: 'sheet-panel article-sheet', dataset: { article: articleKey(article) } },
    h('div', { class: 'article-top' },
      h('button', { type: 'button', class: 'secondary-action', id: 'article-close', text: 'Close', onclick: close })),
    h('h2', { class: 'article-title', text: article.title || '(untitled)' }),
    h('div', { class: 'article-meta', text: [article.author, ui.accountName.textContent].filter(Boolean).join(' · ') }),
    h('div', { class: 'article-body', text: articleText(article.content) || article.digest || '' }),
    h('h3', { class: 'article-comments-title', text: 'Comments' }),
    comments.length
      ? h('ul', { class: 'article-comments' }, comments.map(renderComment))
      : h('p', { class: 'article-no-comments', text: 'No comment to show yet.' }),
    box));
  ui.sheet.hidden = false;
}

async function pollArticles() {
  try {
    renderArticles(await call(`/sandbox/articles${query({ app_id: appParam() })}`));
  } catch (_) {
    // The sandbox is away: console.js says so in the panel's header.
  }
}

function articlesLoop() {
  pollArticles().finally(() => setTimeout(articlesLoop, document.hidden ? ARTICLES_POLL_MS * 5 : ARTICLES_POLL_MS));
}

articlesLoop();
