/*
 * Chat widget for the SME cyber guidance assistant.
 *
 * Embed with one tag:
 *   <script src="https://HOST/widget.js" data-bot-url="https://BOT" defer></script>
 *
 * Plain JavaScript with no dependencies. It lives in a Shadow DOM so host styles
 * cannot break it, talks to Rasa's REST channel, and builds every piece of bot or
 * visitor text with text nodes (never innerHTML), so markup in a message is shown,
 * not run. Attributes are documented in the project README ("Chat widget and demo site").
 */
(function () {
  'use strict';

  // The web process replaces this line with its own settings when it serves the file.
  var SERVER = {"botUrl": "", "maxChars": 1000};

  var TAG = 'sme-cyber-chat';
  var REQUEST_TIMEOUT_MS = 45000;
  var HISTORY_LIMIT = 200;
  var script = document.currentScript || document.querySelector('script[data-bot-url]');
  if (!script || document.querySelector(TAG)) { return; }

  function attr(name, fallback) {
    var value = script.getAttribute('data-' + name);
    return value === null || value === '' ? fallback : value;
  }
  function positiveInt(raw, fallback) {
    var n = parseInt(raw, 10);
    return n > 0 ? n : fallback;
  }

  var botUrl = String(attr('bot-url', SERVER.botUrl || '')).replace(/\/+$/, '');
  var maxChars = positiveInt(attr('max-chars', ''), SERVER.maxChars || 1000);
  var title = attr('title', 'Cyber security help');
  var privacyUrl = safeUrl(attr('privacy-url', ''));
  var sessionMinutes = positiveInt(attr('session-minutes', ''), 60);
  var storeKey = 'sme-cyber-chat:' + botUrl;

  // ---- storage (localStorage when allowed, memory otherwise) ---------------
  var memory = {};
  function load() {
    var raw = null;
    try { raw = window.localStorage.getItem(storeKey); } catch (e) { raw = memory[storeKey] || null; }
    try {
      var state = raw ? JSON.parse(raw) : null;
      if (state && (state.id === null || typeof state.id === 'string') && Array.isArray(state.items)) {
        return state;
      }
    } catch (e) { /* unreadable: start again */ }
    return { id: null, items: [], last: 0, open: false };
  }
  function save() {
    state.items = state.items.slice(-HISTORY_LIMIT);
    var raw = JSON.stringify(state);
    try { window.localStorage.setItem(storeKey, raw); } catch (e) { memory[storeKey] = raw; }
  }
  function forget() {
    try { window.localStorage.removeItem(storeKey); } catch (e) { /* nothing stored */ }
    delete memory[storeKey];
    state = { id: null, items: [], last: 0, open: true };
  }
  function randomHex() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ('0' + b.toString(16)).slice(-2);
    }).join('');
  }
  function newVisitorId() { return 'w-' + randomHex(); }
  // Each message keeps one id however often it is sent, so the assistant can tell a retry
  // (after a reply was lost on the way back) from a new message and answer it only once.
  function messageIdOf(item) {
    if (!item.messageId) { item.messageId = 'm-' + randomHex(); }
    return item.messageId;
  }
  var state = load();

  // ---- small DOM helpers -----------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.appendChild(document.createTextNode(text)); }
    return node;
  }
  function button(label, className, onClick) {
    var b = el('button', className, label);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }
  function safeUrl(raw) {
    if (!raw) { return ''; }
    try {
      var url = new URL(raw, window.location.href);
      return (url.protocol === 'https:' || url.protocol === 'http:') ? url.href : '';
    } catch (e) { return ''; }
  }
  function icon(path) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var p = document.createElementNS(ns, 'path');
    p.setAttribute('d', path);
    svg.appendChild(p);
    return svg;
  }
  var THUMB_UP = 'M2 10h4v11H2zM8 21h9.2a2 2 0 0 0 2-1.6l1.6-7.5A2 2 0 0 0 18.8 9.5H14l.8-4.2A2 2 0 0 0 ' +
    '12.9 3L8 9.3z';

  // Text with http(s) links made clickable; everything else stays a text node.
  function appendInline(parent, text) {
    var pattern = /https?:\/\/[^\s<>"']+/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      var raw = match[0].replace(/[.,;:!?)\]]+$/, '');
      var href = safeUrl(raw);
      if (!href || raw.length === 0) { continue; }
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var a = el('a', null, raw);
      a.href = href;
      a.rel = 'noopener noreferrer';
      a.target = '_blank';
      parent.appendChild(a);
      last = match.index + raw.length;
      pattern.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // Paragraphs, "- " bullet lists and "1. " numbered lists; skipNumbered drops the numbered lines.
  function renderText(text, skipNumbered) {
    var box = el('div', 'text');
    String(text).split(/\n\s*\n/).forEach(function (block) {
      var list = null;
      var para = null;
      block.split('\n').forEach(function (line) {
        var bullet = /^\s*[-*\u2022]\s+(.*)$/.exec(line);
        var numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
        if (numbered && skipNumbered) { return; }
        var kind = bullet ? 'ul' : (numbered ? 'ol' : null);
        if (kind) {
          if (!list || list.tagName.toLowerCase() !== kind) { list = el(kind); box.appendChild(list); }
          var li = el('li');
          appendInline(li, (bullet || numbered)[1]);
          list.appendChild(li);
          para = null;
        } else if (line.trim()) {
          list = null;
          if (para) { para.appendChild(el('br')); } else { para = el('p'); box.appendChild(para); }
          appendInline(para, line);
        }
      });
    });
    return box;
  }

  // ---- shadow root and styles ------------------------------------------------
  var host = document.createElement(TAG);
  var root = host.attachShadow({ mode: 'open' });
  var CSS = [
    ':host{all:initial!important;display:block!important;position:static!important;' +
      'font:16px/1.45 system-ui,-apple-system,"Segoe UI",Arial,sans-serif!important;color:#0b0c0c!important}',
    '*,*::before,*::after{box-sizing:border-box}',
    'button,textarea{font:inherit;color:inherit}',
    'button{cursor:pointer}',
    '.vh{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;' +
      'clip:rect(0 0 0 0);border:0;white-space:nowrap}',
    ':focus-visible{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 6px #0b0c0c}',
    '.launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;display:flex;gap:8px;' +
      'align-items:center;padding:12px 18px;border:2px solid #0b0c0c;border-radius:28px;' +
      'background:#1d70b8;color:#fff;font-weight:700;box-shadow:0 2px 6px rgba(0,0,0,.3)}',
    '.launcher:hover{background:#003078}',
    '.panel{position:fixed;right:16px;bottom:16px;z-index:2147483001;width:400px;max-width:calc(100vw - 32px);' +
      'height:min(720px,calc(100vh - 32px));display:flex;flex-direction:column;background:#fff;' +
      'border:2px solid #0b0c0c;border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.3);overflow:hidden}',
    '.panel[hidden],.launcher[hidden],[hidden]{display:none!important}',
    '.head{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#1d70b8;color:#fff}',
    '.head h2{flex:1;margin:0;font-size:18px;line-height:1.3}',
    '.head button{background:#fff;color:#0b0c0c;border:2px solid #0b0c0c;border-radius:4px;' +
      'padding:4px 10px;min-height:36px}',
    '.notice{margin:0;padding:8px 12px;font-size:14px;background:#f3f2f1;border-left:4px solid #1d70b8}',
    '.notice a,.msg a{color:#1d70b8;text-decoration:underline}',
    '.body{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px}',
    '.log{display:flex;flex-direction:column;gap:10px}',
    '.msg{max-width:92%;padding:8px 12px;border-radius:8px;overflow-wrap:anywhere}',
    '.msg p{margin:0 0 6px}.msg p:last-child{margin-bottom:0}',
    '.msg ul,.msg ol{margin:4px 0 6px;padding-left:22px}',
    '.bot{align-self:flex-start;background:#f3f2f1;border:1px solid #b1b4b6}',
    '.user{align-self:flex-end;background:#1d70b8;color:#fff;white-space:pre-wrap}',
    '.user .note{display:block;font-size:14px;font-weight:700;margin-top:4px}.user .note:empty{display:none}',
    '.who{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}',
    '.choices{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}',
    '.choices button,.plan button,.feedback button,.error button,.confirm button{background:#fff;' +
      'color:#1d70b8;border:2px solid #1d70b8;border-radius:16px;padding:4px 12px;min-height:36px;text-align:left}',
    '.choices button:hover,.plan button:hover,.feedback button:hover{background:#e8f1f8}',
    'button:disabled{cursor:default;color:#505a5f;border-color:#505a5f;background:#fff}',
    '.plan{list-style:none;margin:8px 0 0;padding:0;display:flex;flex-direction:column;gap:8px}',
    '.plan li{background:#fff;border:1px solid #b1b4b6;border-radius:6px;padding:8px}',
    '.plan .item{display:flex;gap:8px;align-items:flex-start}',
    '.plan .box{flex:none;width:22px;height:22px;border:2px solid #0b0c0c;border-radius:3px;' +
      'display:flex;align-items:center;justify-content:center;font-weight:700;margin-top:2px}',
    '.plan .done .box{background:#00703c;border-color:#00703c;color:#fff}',
    '.plan .status{display:block;font-size:14px;font-weight:700;color:#00703c}',
    '.plan .step-buttons{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}',
    '.feedback{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:8px;font-size:14px}',
    '.feedback button{display:inline-flex;align-items:center;gap:4px}',
    '.feedback svg{width:18px;height:18px;fill:currentColor}',
    '.feedback .down svg{transform:rotate(180deg)}',
    '.typing{align-self:flex-start;padding:8px 12px;font-size:14px;color:#505a5f}',
    '.dots{display:inline-flex;gap:4px;margin-left:4px}',
    '.dots span{width:7px;height:7px;border-radius:50%;background:#505a5f;animation:blink 1.2s infinite}',
    '.dots span:nth-child(2){animation-delay:.2s}.dots span:nth-child(3){animation-delay:.4s}',
    '@keyframes blink{0%,80%,100%{opacity:.25}40%{opacity:1}}',
    '.error{border:2px solid #d4351c;border-radius:6px;padding:8px 12px;background:#fff}',
    '.error p{margin:0 0 6px;font-weight:700;color:#d4351c}',
    '.confirm{border:2px solid #0b0c0c;border-radius:6px;padding:8px 12px;background:#fff}',
    '.confirm p{margin:0 0 6px}.confirm div{display:flex;gap:6px;flex-wrap:wrap}',
    'form{border-top:1px solid #b1b4b6;padding:8px 12px;background:#fff}',
    'label{display:block;font-weight:700;margin-bottom:4px}',
    '.row{display:flex;gap:8px;align-items:flex-end}',
    'textarea{flex:1;min-height:44px;max-height:120px;resize:vertical;padding:8px;border:2px solid #0b0c0c;' +
      'border-radius:0}',
    '.send{background:#00703c;color:#fff;border:2px solid #0b0c0c;border-radius:4px;padding:8px 14px;' +
      'font-weight:700;min-height:44px}',
    '.count{margin:4px 0 0;font-size:14px;color:#505a5f}',
    '.count.over{color:#d4351c;font-weight:700}',
    '.clear{background:none;border:0;color:#fff;text-decoration:underline;padding:4px;font-size:14px}',
    '.head .clear{border:0;background:none;color:#fff;min-height:36px}',
    '@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;' +
      'border-radius:0;border-width:0}.launcher{right:12px;bottom:12px}}',
    '@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important;' +
      'scroll-behavior:auto!important}.dots{display:none}}'
  ].join('\n');
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    // Older browsers: a <style> element (needs style-src to allow it on strict pages).
    root.appendChild(el('style', null, CSS));
  }

  // ---- structure ---------------------------------------------------------------
  var uid = 'smechat-' + Math.random().toString(36).slice(2, 8);
  var launcher = button('Ask about cyber security', 'launcher', function () { openPanel(true); });
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', uid + '-panel');

  var panel = el('section', 'panel');
  panel.id = uid + '-panel';
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-modal', 'false');
  panel.setAttribute('aria-labelledby', uid + '-title');

  var head = el('div', 'head');
  var heading = el('h2', null, title);
  heading.id = uid + '-title';
  var clearButton = button('Clear my chat', 'clear', askToClear);
  var closeButton = button('Close', 'close', function () { closePanel(); });
  closeButton.setAttribute('aria-label', 'Close chat');
  head.appendChild(heading);
  head.appendChild(clearButton);
  head.appendChild(closeButton);

  var notice = el('p', 'notice',
    'This is an automated assistant. Do not type names, passwords or payment details. ' +
    'We keep what you type, with personal details removed, to improve the advice. ' +
    'Your chat is saved on this device until you clear it. ');
  if (privacyUrl) {
    var more = el('a', null, 'Privacy notice');
    more.href = privacyUrl;
    more.rel = 'noopener noreferrer';
    more.target = '_blank';
    notice.appendChild(more);
  }

  var body = el('div', 'body');
  var log = el('div', 'log');
  log.setAttribute('aria-label', 'Conversation');
  var typing = el('div', 'typing');
  typing.setAttribute('role', 'status');
  var alerts = el('div');  // the error, and nothing else: a message waits while it is shown
  alerts.setAttribute('role', 'alert');
  var confirmArea = el('div');
  var announcer = el('div', 'vh');
  announcer.setAttribute('role', 'status');
  body.appendChild(notice);  // at the top of the conversation; it scrolls away as the chat grows
  body.appendChild(log);
  body.appendChild(typing);
  body.appendChild(alerts);
  body.appendChild(confirmArea);
  body.appendChild(announcer);

  var form = el('form');
  form.setAttribute('novalidate', '');
  var label = el('label', null, 'Your message');
  label.htmlFor = uid + '-input';
  var row = el('div', 'row');
  var input = el('textarea');
  input.id = uid + '-input';
  input.name = 'message';
  input.rows = 2;
  input.maxLength = maxChars;
  input.setAttribute('aria-describedby', uid + '-count');
  input.setAttribute('autocomplete', 'off');
  var send = el('button', 'send', 'Send');
  send.type = 'submit';
  var count = el('p', 'count');
  count.id = uid + '-count';
  var countLive = el('span', 'vh');
  countLive.setAttribute('aria-live', 'polite');
  row.appendChild(input);
  row.appendChild(send);
  form.appendChild(label);
  form.appendChild(row);
  form.appendChild(count);
  form.appendChild(countLive);

  panel.appendChild(head);
  panel.appendChild(body);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  // ---- character count ----------------------------------------------------------
  var lastCountNotice = '';
  function updateCount() {
    var left = maxChars - input.value.length;
    var text = left >= 0
      ? 'You have ' + left + ' character' + (left === 1 ? '' : 's') + ' remaining'
      : 'You have ' + (-left) + ' character' + (left === -1 ? '' : 's') + ' too many';
    count.textContent = text + ' (up to ' + maxChars + ')';
    count.className = left <= 0 ? 'count over' : 'count';
    // Announce only near the limit, so typing is not interrupted on every key.
    var near = left <= Math.max(20, Math.floor(maxChars / 10)) ? text : '';
    if (near !== lastCountNotice) { countLive.textContent = near; lastCountNotice = near; }
  }
  input.addEventListener('input', updateCount);
  updateCount();

  // ---- rendering ---------------------------------------------------------------
  var views = [];   // {item, node, choices, feedback, planItems}
  var pending = []; // user items waiting to be sent, oldest first
  var busy = false;

  // Each plan step's state, as the assistant confirmed it: planned, done (for good) or dropped.
  function stepStates() {
    var states = {};
    state.items.forEach(function (item) {
      var c = item.custom || {};
      var answer = c.follow_up_answer;
      if (c.commitment && c.commitment.step && states[c.commitment.step] !== 'done') {
        states[c.commitment.step] = 'planned';
      }
      if (c.done && c.done.step) { states[c.done.step] = 'done'; }
      if (answer && answer.step && answer.status === 'dropped' && states[answer.step] !== 'done') {
        states[answer.step] = 'dropped';
      }
    });
    return states;
  }

  function renderUser(item) {
    var node = el('div', 'msg user');
    node.appendChild(el('span', 'who', 'You said: '));
    node.appendChild(document.createTextNode(item.text));
    var note = el('span', 'note');
    node.appendChild(note);
    return { item: item, node: node, note: note };
  }

  function renderPlan(item, view) {
    var list = el('ol', 'plan');
    list.setAttribute('aria-label', 'Your action plan');
    var lines = String(item.text || '').split('\n').filter(function (l) { return /^\s*\d+[.)]\s+/.test(l); });
    view.planItems = [];
    item.custom.plan.forEach(function (entry, index) {
      if (!entry || typeof entry.step !== 'string') { return; }
      var name = String(entry.title || entry.step);
      var li = el('li');
      var row2 = el('div', 'item');
      var box = el('span', 'box');
      box.setAttribute('aria-hidden', 'true');
      var textBox = el('div');
      var line = lines.length === item.custom.plan.length
        ? lines[index].replace(/^\s*\d+[.)]\s+/, '') : name;
      appendInline(textBox, line);
      var status = el('span', 'status');
      textBox.appendChild(status);
      row2.appendChild(box);
      row2.appendChild(textBox);
      var stepButtons = el('div', 'step-buttons');
      var commit = button("I'll do this", null, function () {
        sendMessage(payload('commit_step', entry.step), "I'll do this: " + name);
      });
      commit.setAttribute('aria-label', "I'll do this: " + name);
      var done = button('Done', null, function () {
        sendMessage(payload('report_done', entry.step), 'Done: ' + name);
      });
      done.setAttribute('aria-label', 'Done: ' + name);
      stepButtons.appendChild(commit);
      stepButtons.appendChild(done);
      li.appendChild(row2);
      li.appendChild(stepButtons);
      list.appendChild(li);
      view.planItems.push({ step: entry.step, li: li, box: box, status: status, commit: commit, done: done });
    });
    return list;
  }

  function payload(intent, stepId) {
    return '/' + intent + '{"step_id": ' + JSON.stringify(stepId) + '}';
  }

  function renderBot(item) {
    var node = el('div', 'msg bot');
    var view = { item: item, node: node };
    node.appendChild(el('span', 'who', 'Assistant said: '));
    var custom = item.custom && typeof item.custom === 'object' ? item.custom : {};
    var isPlan = Array.isArray(custom.plan) && custom.plan.length > 0;
    if (item.text) { node.appendChild(renderText(item.text, isPlan)); }
    if (isPlan) { node.appendChild(renderPlan(item, view)); }
    var planIds = {};
    if (isPlan) { custom.plan.forEach(function (e) { if (e) { planIds[e.step] = true; } }); }
    var choices = (item.buttons || []).filter(function (b) {
      var m = /^\/commit_step\{.*"step_id":\s*"([^"]+)"/.exec(String(b.payload || ''));
      return b && b.title && !(m && planIds[m[1]]);
    });
    if (choices.length) {
      var group = el('div', 'choices');
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', 'Suggested replies');
      choices.forEach(function (b) {
        var title2 = String(b.title);
        group.appendChild(button(title2, null, function () {
          sendMessage(String(b.payload || title2), title2);
        }));
      });
      node.appendChild(group);
      view.choices = group;
    }
    if (custom.topic && item.text) {
      var fb = el('div', 'feedback');
      view.feedback = fb;
      node.appendChild(fb);
    }
    return view;
  }

  function renderFeedback(view, active) {
    var fb = view.feedback;
    if (!fb) { return; }
    var item = view.item;
    var wanted = item.feedback ? 'given' : (active ? 'ask' : 'none');
    if (fb.getAttribute('data-state') === wanted) { return; }
    fb.setAttribute('data-state', wanted);
    while (fb.firstChild) { fb.removeChild(fb.firstChild); }
    if (wanted === 'given') {
      fb.appendChild(el('span', null, 'Thanks for your feedback.'));
    } else if (wanted === 'ask') {
      fb.appendChild(el('span', null, 'Was this helpful?'));
      [['up', 'Yes', 'Yes, this was helpful', '/feedback_helpful'],
        ['down', 'No', 'No, this was not helpful', '/feedback_unhelpful']].forEach(function (f) {
        var b = button('', f[0], function () {
          item.feedback = f[0];
          save();
          sendMessage(f[3], f[2]);
        });
        b.appendChild(icon(THUMB_UP));
        b.appendChild(document.createTextNode(f[1]));
        b.setAttribute('aria-label', f[2]);
        fb.appendChild(b);
      });
    }
  }

  function refresh() {
    var states = stepStates();
    var lastUser = -1;
    var lastTopic = -1;
    views.forEach(function (view, i) {
      if (view.item.from === 'user') { lastUser = i; }
      if (view.feedback) { lastTopic = i; }
    });
    views.forEach(function (view, i) {
      if (view.choices) { view.choices.hidden = i < lastUser; }
      // Feedback counts towards the latest guidance reply, so only that one asks for it.
      renderFeedback(view, i === lastTopic);
      (view.planItems || []).forEach(function (p) {
        var now = states[p.step] || '';
        p.li.className = now === 'done' ? 'done' : '';
        p.box.textContent = now === 'done' ? '\u2713' : '';
        p.status.textContent = { done: 'Done', planned: "You've planned to do this",
          dropped: 'Taken off your list' }[now] || '';
        p.commit.disabled = now === 'planned' || now === 'done';
        p.done.disabled = now === 'done';
      });
      if (view.note) {
        var waiting = view.item.status === 'failed' || (view.item.status !== 'sent' && alerts.firstChild);
        view.note.textContent = waiting ? 'Not sent yet' : '';
      }
    });
  }

  function show(item) {
    var view = item.from === 'user' ? renderUser(item) : renderBot(item);
    views.push(view);
    log.appendChild(view.node);
  }

  function scrollDown() {
    body.scrollTop = body.scrollHeight;
  }

  function renderAll() {
    views = [];
    while (log.firstChild) { log.removeChild(log.firstChild); }
    log.removeAttribute('role');
    if (!state.items.length) {
      state.items.push(greeting());
    }
    state.items.forEach(function (item) { if (!item.hiddenItem) { show(item); } });
    pending = state.items.filter(function (i) { return i.from === 'user' && i.status !== 'sent'; });
    refresh();
    // Announce new messages from now on, not the history just drawn.
    log.setAttribute('role', 'log');
    log.setAttribute('aria-live', 'polite');
    // Messages not yet answered (the page was closed or the bot was down) are sent again.
    if (pending.length) { pump(); }
  }

  function greeting() {
    return {
      from: 'bot', local: true,
      text: 'Hello. I give free, practical advice on keeping your business safe online. ' +
        'Ask me a question in your own words, or ask for an action plan.',
      buttons: [
        { title: 'What should I do first?', payload: '/ask_action_plan' },
        { title: 'What can you help with?', payload: '/ask_capabilities' }
      ]
    };
  }

  // ---- talking to the assistant --------------------------------------------------
  function setTyping(on) {
    while (typing.firstChild) { typing.removeChild(typing.firstChild); }
    if (on) {
      typing.appendChild(document.createTextNode('The assistant is typing'));
      var dots = el('span', 'dots');
      dots.setAttribute('aria-hidden', 'true');
      dots.appendChild(el('span'));
      dots.appendChild(el('span'));
      dots.appendChild(el('span'));
      typing.appendChild(dots);
    }
  }

  function showError() {
    clearError();
    var box = el('div', 'error');
    box.appendChild(el('p', null, 'Sorry, the assistant cannot be reached just now.'));
    box.appendChild(el('span', null, 'Your message is kept. Check your connection, then try again. '));
    var retry = button('Try again', 'retry', function () { clearError(); input.focus(); pump(); });
    box.appendChild(retry);
    alerts.appendChild(box);
    scrollDown();
  }
  function clearError() {
    while (alerts.firstChild) { alerts.removeChild(alerts.firstChild); }
  }

  function post(message, messageId) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    var body = { sender: state.id, message: message, message_id: messageId };
    // The visitor token the first reply gave ties this id to this browser (bot/channels/visitor_token.py).
    if (typeof state.token === 'string') { body.visitor_token = state.token; }
    return fetch(botUrl + '/webhooks/rest/webhook', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      var token = response.headers.get('X-Visitor-Token');
      if (token && /^[0-9a-f]{32}$/.test(token)) { state.token = token; save(); }
      return response.json();
    }).then(function (replies) {
      if (!Array.isArray(replies)) { throw new Error('unexpected reply'); }
      return replies;
    }).finally(function () { if (timer) { clearTimeout(timer); } });
  }

  // Rasa sends a reply's custom payload as a message of its own, right after the text:
  // join it to that text, so a guidance reply, its topic and its plan render together.
  function addReplies(replies) {
    var batch = [];
    replies.forEach(function (r) {
      if (!r || typeof r !== 'object') { return; }
      var text = typeof r.text === 'string' ? r.text : '';
      var buttons = Array.isArray(r.buttons) ? r.buttons.filter(function (b) {
        return b && typeof b.title === 'string';
      }).map(function (b) { return { title: b.title, payload: String(b.payload || '') }; }) : [];
      var custom = r.custom && typeof r.custom === 'object' && !Array.isArray(r.custom) ? r.custom : null;
      var previous = batch[batch.length - 1];
      if (!text && !buttons.length && custom && previous) {
        previous.custom = Object.assign({}, previous.custom || {}, custom);
        return;
      }
      if (!text && !buttons.length && !custom) { return; }
      batch.push({ from: 'bot', text: text, buttons: buttons, custom: custom });
    });
    var first = null;
    batch.forEach(function (item) {
      var visible = item.text || item.buttons.length || (item.custom && Array.isArray(item.custom.plan));
      if (!visible) { item.hiddenItem = true; }
      state.items.push(item);
      if (visible) {
        show(item);
        first = first || views[views.length - 1].node;
      }
    });
    return first;
  }

  // Show the start of a new reply; a long one is read from its top, not its end.
  function scrollToReply(node) {
    if (!node) { scrollDown(); return; }
    var top = node.getBoundingClientRect().top - body.getBoundingClientRect().top + body.scrollTop - 8;
    body.scrollTop = Math.min(top, body.scrollHeight);
  }

  // Send queued messages one at a time, in order; stop at the first failure.
  function pump() {
    if (busy || !pending.length) { return; }
    if (!botUrl) { showError(); return; }
    busy = true;
    var item = pending[0];
    setTyping(true);
    var messageId = messageIdOf(item);
    save();  // the id is kept with the message, so a retry after a reload reuses it
    post(item.payload || item.text, messageId).then(function (replies) {
      item.status = 'sent';
      pending.shift();
      state.last = Date.now();
      var first = addReplies(replies);
      save();
      refresh();
      busy = false;
      setTyping(false);
      scrollToReply(first);
      pump();
    }, function () {
      item.status = 'failed';
      save();
      busy = false;
      setTyping(false);
      showError();
      refresh();
    });
  }

  function ensureVisitor() {
    if (!state.id) { state.id = newVisitorId(); state.token = null; }
  }

  // Buttons that send may disappear or be disabled once used, so focus goes to the message box.
  function sendMessage(message, shown) {
    input.focus();
    ensureVisitor();
    var item = { from: 'user', text: shown, status: 'pending', at: Date.now() };
    if (message !== shown) { item.payload = message; }
    state.items.push(item);
    save();
    show(item);
    pending.push(item);
    refresh();
    scrollDown();
    if (!alerts.firstChild) { pump(); }
  }

  // A returning visitor starts a new session, so the assistant can follow up on last time's plans.
  function startSessionIfReturning() {
    if (!state.id || !state.last || busy || pending.length) { return; }
    if (Date.now() - state.last < sessionMinutes * 60000) { return; }
    busy = true;
    setTyping(true);
    state.last = Date.now();
    post('/session_start', 'm-' + randomHex()).then(function (replies) {
      var first = addReplies(replies);
      save();
      refresh();
      scrollToReply(first);
    }, function () { /* the next message starts the session instead */ }).then(function () {
      busy = false;
      setTyping(false);
      pump();
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { input.focus(); return; }
    if (text.length > maxChars) { updateCount(); input.focus(); return; }
    input.value = '';
    updateCount();
    sendMessage(text, text);
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof form.requestSubmit === 'function') { form.requestSubmit(); } else { send.click(); }
    }
  });

  // ---- clear my chat -----------------------------------------------------------
  function askToClear() {
    while (confirmArea.firstChild) { confirmArea.removeChild(confirmArea.firstChild); }
    var box = el('div', 'confirm');
    box.appendChild(el('p', null, 'Clear this chat from this device? The assistant will not recognise you next time.'));
    var buttons = el('div');
    var yes = button('Yes, clear my chat', 'yes', function () {
      forget();
      pending = [];
      confirmArea.removeChild(box);
      clearError();
      renderAll();
      save();
      announcer.textContent = 'Your chat has been cleared from this device.';
      input.focus();
    });
    var no = button('Cancel', 'no', function () { confirmArea.removeChild(box); clearButton.focus(); });
    buttons.appendChild(yes);
    buttons.appendChild(no);
    box.appendChild(buttons);
    confirmArea.appendChild(box);
    scrollDown();
    yes.focus();
  }

  // ---- open and close ----------------------------------------------------------
  function openPanel(moveFocus) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute('aria-expanded', 'true');
    state.open = true;
    save();
    scrollDown();
    if (moveFocus) { input.focus(); }
    startSessionIfReturning();
  }
  function closePanel() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute('aria-expanded', 'false');
    state.open = false;
    save();
    launcher.focus();
  }
  panel.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { event.preventDefault(); closePanel(); }
  });

  function start() {
    document.body.appendChild(host);
    renderAll();
    if (state.open) { openPanel(false); }
  }
  if (document.body) { start(); } else { document.addEventListener('DOMContentLoaded', start); }
}());
