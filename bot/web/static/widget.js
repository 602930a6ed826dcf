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
  // ---- links from structured data (custom.links, step sources, downloads) -------------
  // Only https pages, tel: numbers and mailto: addresses, each checked again here.
  function httpsUrl(raw) {
    try {
      var url = new URL(String(raw));
      return url.protocol === 'https:' && url.hostname ? url.href : '';
    } catch (e) { return ''; }
  }
  function contactHref(link) {
    if (!link || typeof link.href !== 'string') { return ''; }
    var href = link.href;
    if (link.kind === 'url') { return httpsUrl(href); }
    if (link.kind === 'phone') { return /^tel:\+?[0-9]{2,16}$/.test(href) ? href : ''; }
    if (link.kind === 'email') {
      return /^mailto:[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(href) ? href : '';
    }
    return '';
  }
  function linkTo(href, label, external) {
    var a = el('a', null, label);
    a.href = href;
    if (external) { a.rel = 'noopener noreferrer'; a.target = '_blank'; }
    return a;
  }
  function renderLinks(links) {
    var list = el('ul', 'links');
    list.setAttribute('aria-label', 'Contacts and links');
    (Array.isArray(links) ? links : []).forEach(function (link) {
      var href = contactHref(link);
      if (!href) { return; }
      var li = el('li');
      var text = String(link.label || '') + ': ';
      li.appendChild(document.createTextNode(text));
      var shown = href.replace(/^(tel|mailto):/, '');
      li.appendChild(linkTo(href, shown, link.kind === 'url'));
      list.appendChild(li);
    });
    return list.childNodes.length ? list : null;
  }
  function renderDownload(download) {
    if (!download || typeof download !== 'object') { return null; }
    var pdf = safeUrl(download.pdf);
    var page = safeUrl(download.page);
    if (!pdf || !page) { return null; }
    var box = el('div', 'download');
    var a = linkTo(pdf, 'Download the PDF', true);
    a.setAttribute('download', 'cyber-security-plan.pdf');
    box.appendChild(a);
    box.appendChild(linkTo(page, 'Open the printable page', true));
    return box;
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

  // Bot text with https links made clickable; everything else stays a text node.
  // Visitor text never goes through here: it is always one text node.
  function appendInline(parent, text) {
    var pattern = /https:\/\/[^\s<>"']+/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      var raw = match[0].replace(/[.,;:!?)\]]+$/, '');
      var href = httpsUrl(raw);
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
    '.plan .box{flex:none;width:24px;height:24px;margin:2px 0 0;accent-color:#00703c;cursor:pointer}',
    '.plan .step-title{display:block;font-weight:700;cursor:pointer}',
    '.plan .detail{font-size:14px;margin-top:2px}',
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
    // Plan, links and shortcuts (issue: keep and act on the plan).
    '.quick{display:flex;flex-wrap:wrap;gap:6px;margin-bottom:6px}',
    '.quick button{background:#fff;border:2px solid #1d70b8;color:#1d70b8;border-radius:16px;' +
      'padding:2px 12px;min-height:32px;font-size:15px}',
    '.quick .urgent{border-color:#d4351c;color:#d4351c;font-weight:700}',
    '.quick button[aria-expanded=true]{background:#1d70b8;color:#fff}',
    '.myplan{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}',
    '.myplan h3{margin:0;font-size:18px}',
    '.myplan p{margin:0}',
    '.myplan-actions{display:flex;flex-wrap:wrap;gap:6px}',
    '.myplan button{background:#fff;color:#1d70b8;border:2px solid #1d70b8;border-radius:16px;' +
      'padding:4px 12px;min-height:36px;text-align:left}',
    '.links{margin:8px 0 0;padding-left:20px}',
    '.links li{margin-bottom:4px}',
    '.download{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px}',
    '.download a{display:inline-block;padding:6px 12px;border:2px solid #1d70b8;border-radius:4px;' +
      'background:#fff;color:#1d70b8;font-weight:700}',
    // Short screens (200% zoom, a phone on its side): the panel fills the screen and the
    // controls shrink, so the conversation keeps at least half the height (WCAG 1.4.10).
    '@media (max-height:560px),(max-width:480px){.panel{top:0;right:0;bottom:0;left:auto;' +
      'width:min(100vw,480px);' +
      'max-width:100vw;height:100%;border-radius:0;border-width:0 0 0 2px}' +
      '.head{padding:4px 8px}.head h2{font-size:16px}.head button{min-height:32px;padding:2px 8px}' +
      'form{padding:4px 8px}label{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}' +
      'textarea{min-height:40px;max-height:64px;padding:6px}.send{min-height:40px;padding:6px 10px}' +
      '.count{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}' +
      '.count.over{position:static;width:auto;height:auto;clip:auto}.quick{margin-bottom:4px}' +
      '.body{padding:8px}}',
    // Very short screens (400% zoom): the whole panel scrolls as one page instead.
    '@media (max-height:300px){.panel{display:block;overflow-y:auto}.body,.myplan{overflow:visible;' +
      'min-height:60vh}}',
    // A printed page is the host's own: the chat is not part of it.
    '@media print{:host{display:none!important}}',
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
  heading.tabIndex = -1;
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

  var quick = buildQuickControls();
  form.insertBefore(quick, form.firstChild);
  var myPlan = buildMyPlan();
  panel.appendChild(head);
  panel.appendChild(myPlan.section);
  panel.appendChild(body);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  // ---- always one tap away: urgent help and "My plan" ---------------------------------
  function buildQuickControls() {
    var bar = el('div', 'quick');
    bar.setAttribute('role', 'group');
    bar.setAttribute('aria-label', 'Shortcuts');
    var urgent = button('Something has gone wrong', 'urgent', function () {
      closeMyPlan(false);
      sendMessage('/report_incident', 'Something has gone wrong');
    });
    var planButton = button('My plan', 'myplan-toggle', function () {
      if (myPlan.section.hidden) { openMyPlan(); } else { closeMyPlan(true); }
    });
    planButton.setAttribute('aria-expanded', 'false');
    planButton.setAttribute('aria-controls', uid + '-myplan');
    bar.appendChild(urgent);
    bar.appendChild(planButton);
    bar.planButton = planButton;
    return bar;
  }

  // ---- "My plan": the latest plan as a checklist, reachable at any time -----------------
  function buildMyPlan() {
    var section = el('section', 'myplan');
    section.id = uid + '-myplan';
    section.hidden = true;
    section.setAttribute('aria-labelledby', uid + '-myplan-title');
    var title2 = el('h3', null, 'My plan');
    title2.id = uid + '-myplan-title';
    title2.tabIndex = -1;
    var content = el('div', 'myplan-content');
    var actions = el('div', 'myplan-actions');
    actions.appendChild(button('Download or print my plan', 'download-plan', function () {
      closeMyPlan(false);
      sendMessage('/download_plan', 'Download my plan');
    }));
    actions.appendChild(button('Back to the chat', 'back', function () { closeMyPlan(true); }));
    section.appendChild(title2);
    section.appendChild(content);
    section.appendChild(actions);
    return { section: section, title: title2, content: content, view: null, source: null };
  }

  function latestPlanItem() {
    for (var i = state.items.length - 1; i >= 0; i--) {
      var c = state.items[i].custom;
      if (c && Array.isArray(c.plan) && c.plan.length) { return state.items[i]; }
    }
    return null;
  }

  function refreshMyPlan(states) {
    if (myPlan.section.hidden) { return; }
    var latest = latestPlanItem();
    if (latest !== myPlan.source) {
      myPlan.source = latest;
      while (myPlan.content.firstChild) { myPlan.content.removeChild(myPlan.content.firstChild); }
      myPlan.view = { planItems: [] };
      if (latest) {
        myPlan.content.appendChild(el('p', null, 'Tick a step when it is done. Your ticks are saved.'));
        myPlan.content.appendChild(renderPlan(latest, myPlan.view));
      } else {
        myPlan.content.appendChild(el('p', null, "You don't have a plan yet."));
        myPlan.content.appendChild(button('Make my plan', null, function () {
          closeMyPlan(false);
          sendMessage('/ask_action_plan', 'What should I do first?');
        }));
      }
    }
    showStates(myPlan.view && myPlan.view.planItems, states || awaitedStates(stepStates()));
  }

  function openMyPlan() {
    myPlan.section.hidden = false;
    body.hidden = true;
    quick.planButton.setAttribute('aria-expanded', 'true');
    myPlan.source = undefined;
    refreshMyPlan();
    myPlan.title.focus();
  }
  function closeMyPlan(moveFocus) {
    if (myPlan.section.hidden) { return; }
    myPlan.section.hidden = true;
    body.hidden = false;
    quick.planButton.setAttribute('aria-expanded', 'false');
    scrollDown();
    if (moveFocus) { quick.planButton.focus(); }
  }

  // ---- carrying a conversation on from a plan's private link ----------------------------
  // The plan page names its conversation in data-continue; this device then carries it on
  // and asks the assistant for the plan, since its own history is empty.
  function continueFromPlanLink() {
    var given = script.getAttribute('data-continue') || '';
    if (!/^[A-Za-z0-9_-]{8,128}$/.test(given) || state.id === given) { return false; }
    // The private link is the owner's key to this conversation, so the page hands this
    // device the conversation's visitor token too (bot/channels/visitor_token.py).
    var token = script.getAttribute('data-continue-token') || '';
    state = { id: given, token: /^[0-9a-f]{32}$/.test(token) ? token : null, items: [],
              last: Date.now(), open: false };
    save();
    return true;
  }

  // On a touch screen, focusing the message box would open the keyboard over the greeting.
  function touchScreen() {
    return !!(window.matchMedia && window.matchMedia('(pointer: coarse)').matches);
  }

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
    var committed = {};
    state.items.forEach(function (item) {
      var c = item.custom || {};
      var answer = c.follow_up_answer;
      if (c.commitment && c.commitment.step && states[c.commitment.step] !== 'done') {
        states[c.commitment.step] = 'planned';
        committed[c.commitment.step] = true;
      }
      if (c.done && c.done.step) { states[c.done.step] = 'done'; }
      if (answer && answer.step && answer.status === 'dropped' && states[answer.step] !== 'done') {
        states[answer.step] = 'dropped';
        committed[answer.step] = false;
      }
      progressStates(c, states, committed);
    });
    return states;
  }

  // A tick taken back (custom.undone), and the assistant's own account of every step
  // (custom.progress), which wins over what this device saw: it may have been changed elsewhere.
  function progressStates(c, states, committed) {
    if (c.undone && c.undone.step) { states[c.undone.step] = committed[c.undone.step] ? 'planned' : ''; }
    if (Array.isArray(c.progress)) {
      c.progress.forEach(function (p) {
        if (!p || typeof p.step !== 'string') { return; }
        var now = { planned: 'planned', done: 'done', dropped: 'dropped' }[p.status] || '';
        states[p.step] = now;
        committed[p.step] = now === 'planned';
      });
    }
  }

  // Ticks sent but not yet answered show as the visitor left them.
  function awaitedStates(states) {
    pending.forEach(function (item) {
      if (item.step && item.want) { states[item.step] = item.want === 'done' ? 'done' : ''; }
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

  function planLines(item) {
    return String(item.text || '').split('\n').filter(function (l) { return /^\s*\d+[.)]\s+/.test(l); });
  }

  var checkCount = 0;
  function renderPlan(item, view) {
    var entries = item.custom.plan;
    var lines = planLines(item);
    var details = {};
    (Array.isArray(item.custom.steps) ? item.custom.steps : []).forEach(function (st) {
      if (st && typeof st.id === 'string') { details[st.id] = st; }
    });
    var list = el('ol', 'plan');
    list.setAttribute('aria-label', 'Your action plan');
    view.planItems = [];
    entries.forEach(function (entry, index) {
      if (!entry || typeof entry.step !== 'string') { return; }
      var name = String(entry.title || entry.step);
      var li = el('li');
      var row2 = el('div', 'item');
      var box = el('input', 'box');
      box.type = 'checkbox';
      box.id = uid + '-step-' + (++checkCount);
      var textBox = el('div');
      var title = el('label', 'step-title', name);
      title.htmlFor = box.id;
      textBox.appendChild(title);
      var line = lines.length === entries.length ? lines[index].replace(/^\s*\d+[.)]\s+/, '') : '';
      if (line && line.indexOf(name) === 0) { line = line.slice(name.length).replace(/^[.\s]+/, ''); }
      if (line) {
        var more = el('div', 'detail');
        appendInline(more, line);
        textBox.appendChild(more);
      }
      var sources = details[entry.step] && Array.isArray(details[entry.step].sources)
        ? details[entry.step].sources : [];
      var source = sources.map(httpsUrl).filter(Boolean)[0];
      if (source) {
        var src = el('div', 'detail');
        src.appendChild(document.createTextNode('Source: '));
        src.appendChild(linkTo(source, new URL(source).hostname.replace(/^www\./, ''), true));
        textBox.appendChild(src);
      }
      var status = el('span', 'status');
      textBox.appendChild(status);
      row2.appendChild(box);
      row2.appendChild(textBox);
      box.addEventListener('change', function () {
        var want = box.checked ? 'done' : 'undone';
        sendMessage(payload(box.checked ? 'report_done' : 'undo_done', entry.step),
          (box.checked ? 'Done: ' : 'Not done yet: ') + name, { step: entry.step, want: want, keepFocus: true });
      });
      var stepButtons = el('div', 'step-buttons');
      var commit = button("I'll do this", null, function () {
        sendMessage(payload('commit_step', entry.step), "I'll do this: " + name);
      });
      commit.setAttribute('aria-label', "I'll do this: " + name);
      stepButtons.appendChild(commit);
      li.appendChild(row2);
      li.appendChild(stepButtons);
      list.appendChild(li);
      view.planItems.push({ step: entry.step, li: li, box: box, status: status, commit: commit });
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
    if (Array.isArray(custom.links)) {
      var links = renderLinks(custom.links);
      if (links) { node.appendChild(links); }
    }
    var download = renderDownload(custom.download);
    if (download) { node.appendChild(download); }
    if (wantsFeedback(item, custom)) {
      var fb = el('div', 'feedback');
      view.feedback = fb;
      node.appendChild(fb);
    }
    return view;
  }

  // "Was this helpful?" goes under the last message of a guidance reply (after an incident's
  // reporting routes), and never where a question with its own buttons follows.
  function wantsFeedback(item, custom) {
    if (item.feedbackHere !== undefined) { return item.feedbackHere && !!item.text; }
    return !!(custom.topic && item.text);
  }
  function placeFeedback(batch) {
    var topicAt = -1;
    batch.forEach(function (it, i) { if (it.custom && it.custom.topic && it.text) { topicAt = i; } });
    batch.forEach(function (it) { it.feedbackHere = false; });
    if (topicAt < 0) { return; }
    var later = batch.slice(topicAt + 1);
    if (later.some(function (it) { return it.buttons.length; })) { return; }
    var host = batch[topicAt];
    if (batch[topicAt].custom.incident) {
      later.forEach(function (it) { if (it.text) { host = it; } });
    }
    host.feedbackHere = true;
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

  function showStates(planItems, states) {
    (planItems || []).forEach(function (p) {
      var now = states[p.step] || '';
      p.li.className = now === 'done' ? 'done' : '';
      p.box.checked = now === 'done';
      p.status.textContent = { done: 'Done', planned: "You've planned to do this",
        dropped: 'Taken off your list' }[now] || '';
      p.commit.disabled = now === 'planned' || now === 'done';
    });
  }

  function refresh() {
    var states = awaitedStates(stepStates());
    var lastUser = -1;
    var lastTopic = -1;
    var lastQuestion = -1;
    views.forEach(function (view, i) {
      if (view.item.from === 'user') { lastUser = i; }
      if (view.feedback) { lastTopic = i; }
      if (view.choices && !view.feedback) { lastQuestion = i; }
    });
    views.forEach(function (view, i) {
      if (view.choices) { view.choices.hidden = i < lastUser; }
      // Feedback counts towards the latest guidance reply, so only that one asks for it,
      // and not once a question with its own buttons has come after it.
      renderFeedback(view, i === lastTopic && lastQuestion < i);
      showStates(view.planItems, states);
      if (view.note) {
        var waiting = view.item.status === 'failed' || (view.item.status !== 'sent' && alerts.firstChild);
        view.note.textContent = waiting ? 'Not sent yet' : '';
      }
    });
    refreshMyPlan(states);
  }

  function show(item) {
    var view = item.from === 'user' ? renderUser(item) : renderBot(item);
    views.push(view);
    log.appendChild(view.node);
  }

  function scrollDown() {
    body.scrollTop = body.scrollHeight;
    // On very short screens the whole panel scrolls; otherwise it must stay where it is.
    if (window.getComputedStyle(panel).overflowY === 'auto') { panel.scrollTop = panel.scrollHeight; }
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
        { title: 'Something has gone wrong', payload: '/report_incident' },
        { title: 'What can you help with?', payload: '/ask_capabilities' }
      ]
    };
  }

  // ---- talking to the assistant --------------------------------------------------
  // A message holding a web address or domain may start a check, which can take a while:
  // the owner is told its time limits while it runs (bot/checks/budget.py).
  var CHECK_NOTE = 'Checking: each server gets up to 5 seconds to answer, the whole check up to 20 seconds';
  function mayStartCheck(text) {
    return /(^|[\s@\/])[a-z0-9-]+(\.[a-z0-9-]+)*\.([a-z]{2,}|\d{1,3})(:\d+)?([\/?.!,]|\s|$)/i.test(text || '');
  }

  function setTyping(on) {
    while (typing.firstChild) { typing.removeChild(typing.firstChild); }
    if (on) {
      typing.appendChild(document.createTextNode(typeof on === 'string' ? on : 'The assistant is typing'));
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
    placeFeedback(batch);
    var first = null;
    batch.forEach(function (item) {
      var visible = item.text || item.buttons.length || (item.custom && Array.isArray(item.custom.plan)) ||
        (item.custom && (item.custom.links || item.custom.download));
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
    setTyping(mayStartCheck(item.text) ? CHECK_NOTE : true);
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
  function sendMessage(message, shown, options) {
    var opts = options || {};
    if (!opts.keepFocus) { input.focus(); }
    ensureVisitor();
    var item = { from: 'user', text: shown, status: 'pending', at: Date.now() };
    if (opts.step) { item.step = opts.step; item.want = opts.want; }
    if (message !== shown) { item.payload = message; }
    state.items.push(item);
    save();
    show(item);
    pending.push(item);
    refresh();
    if (!opts.keepFocus) { scrollDown(); }
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
    if (moveFocus) {
      if (touchScreen()) { heading.focus(); } else { input.focus(); }
    }
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
    var continued = continueFromPlanLink();
    document.body.appendChild(host);
    renderAll();
    if (state.open) { openPanel(false); }
    if (continued) { sendMessage('/show_plan', 'Show my plan', { keepFocus: true }); }
  }
  if (document.body) { start(); } else { document.addEventListener('DOMContentLoaded', start); }
}());
