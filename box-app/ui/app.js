'use strict';
// The kiosk window: renders the terminal's view (pushed as `box://view` and returned by every
// command), the number pad, the language switch. No logic of the pickup lives here.
(() => {
  const M = window.BOX_MESSAGES;
  const { invoke } = window.__TAURI__.core;
  const { listen } = window.__TAURI__.event;

  const keysDe = Object.keys(M.de).sort().join('\n');
  if (keysDe !== Object.keys(M.en).sort().join('\n')) console.error('messages: German and English keys differ');

  let lang = 'de';
  let view = null;
  let shownKey = null;
  // What the citizen typed on this screen, digits (and a leading + for the phone) only. The PIN
  // lives here and never in the page.
  let entry = '';
  let busy = false;
  // The citizen typed again after an error: its banner goes until the next answer.
  let errorDismissed = false;

  const PADS = {
    enter_phone_number: { kind: 'phone', max: 15, ready: (e) => e.replace('+', '').length >= 6 },
    enter_pin: { kind: 'pin', max: 6, ready: (e) => e.length === 6 },
    enter_birth_date: { kind: 'birth', max: 8, ready: (e) => e.length === 8 },
  };

  function t(key, vars) {
    let text = M[lang][key] ?? M.de[key] ?? key;
    for (const [name, value] of Object.entries(vars || {})) text = text.replace('{' + name + '}', value);
    return text;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === 'onclick') node.addEventListener('click', value);
      else if (name === 'class') node.className = value;
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function button(id, label, onclick, cls) {
    return el('button', { type: 'button', id, class: 'button ' + (cls || ''), disabled: busy, onclick }, label);
  }

  async function call(command, args) {
    busy = true;
    render();
    try {
      const next = await invoke(command, args);
      if (next) view = next;
      errorDismissed = false;
    } catch (error) {
      view = Object.assign({}, view, { error: (error && error.code) || 'other' });
    } finally {
      busy = false;
      render();
    }
  }

  const send = (input) => call('input', { input });

  function screenOf(v) {
    if (!v) return { screen: 'loading' };
    if (v.out_of_order) return { screen: 'out_of_order' };
    return v.screen || { screen: 'welcome' };
  }

  function errorBanner() {
    const code = view && view.error;
    if (!code || errorDismissed || code === 'pickup_box_closed' && screenOf(view).screen === 'welcome' && view.box_open === false) return null;
    const key = M.de['error.' + code] ? 'error.' + code : 'error.other';
    return el('p', { id: 'error', class: 'error', role: 'alert' }, t(key, { code }));
  }

  function formatEntry(kind) {
    if (kind === 'phone') {
      const cut = entry.startsWith('+') ? 3 : 4;
      return entry.length > cut ? entry.slice(0, cut) + ' ' + entry.slice(cut) : entry;
    }
    if (kind === 'birth') {
      const mask = t('birth.mask');
      let out = '';
      let i = 0;
      for (const c of mask) {
        if (c === '.') out += '.';
        else out += i < entry.length ? entry[i++] : c;
      }
      return out;
    }
    return '';
  }

  function entryDisplay(kind) {
    if (kind === 'pin') {
      const boxes = [];
      for (let i = 0; i < 6; i++) boxes.push(el('span', { class: 'pin-box' + (i < entry.length ? ' filled' : '') }, i < entry.length ? '●' : ''));
      return el('p', { id: 'entry', class: 'entry pin', role: 'status', 'aria-label': t('pin.entry', { n: entry.length }) }, boxes);
    }
    const label = kind === 'phone' ? t('phone.entry') : t('birth.entry');
    const text = formatEntry(kind);
    return el('p', { id: 'entry', class: 'entry' + (kind === 'birth' ? ' birth' : ''), role: 'status', 'aria-label': label }, text || '\u00a0');
  }

  function press(key) {
    const pad = PADS[screenOf(view).screen];
    if (!pad || busy) return;
    errorDismissed = true;
    if (key === 'delete') entry = entry.slice(0, -1);
    else if (key === '+') { if (entry === '') entry = '+'; }
    else if (entry.length < pad.max + (entry.startsWith('+') ? 1 : 0)) entry += key;
    render();
  }

  function next() {
    const screen = screenOf(view);
    const pad = PADS[screen.screen];
    if (!pad || busy || !pad.ready(entry)) return;
    const typed = entry;
    if (pad.kind === 'phone') send({ input: 'phone_number', number: formatEntry('phone') });
    else if (pad.kind === 'pin') send({ input: 'pin', pin: typed });
    else send({ input: 'birth_date', date: `${typed.slice(0, 2)}.${typed.slice(2, 4)}.${typed.slice(4, 8)}` });
    // The PIN is typed again after any answer; a refused birth date stays for correcting.
    if (pad.kind === 'pin') entry = '';
  }

  function numberPad(kind) {
    const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const pad = el('div', { class: 'pad', role: 'group', 'aria-label': t('pad.label') });
    for (const k of keys) pad.append(el('button', { type: 'button', class: 'key', 'data-key': k, disabled: busy, onclick: () => press(k) }, k));
    pad.append(kind === 'phone'
      ? el('button', { type: 'button', class: 'key', 'data-key': '+', disabled: busy || entry !== '', onclick: () => press('+') }, '+')
      : el('span', { class: 'key-gap', 'aria-hidden': 'true' }));
    pad.append(el('button', { type: 'button', class: 'key', 'data-key': '0', disabled: busy, onclick: () => press('0') }, '0'));
    pad.append(el('button', { type: 'button', class: 'key key-delete', 'data-key': 'delete', 'aria-label': t('button.delete'), disabled: busy || entry === '', onclick: () => press('delete') }, '⌫'));
    return pad;
  }

  function page(title, hint, parts) {
    return [el('h1', { id: 'title', class: 'title' }, title), hint ? el('p', { id: 'hint', class: 'hint' }, hint) : null, ...parts];
  }

  function actions(...buttons) {
    return el('div', { class: 'actions' }, buttons);
  }

  const cancel = () => button('cancel', t('button.cancel'), () => { entry = ''; send({ input: 'cancel' }); }, 'secondary');

  function padScreen(kind, title, hint, notice) {
    const pad = PADS[screenOf(view).screen];
    const left = el('div', { class: 'column' },
      page(title, hint, [notice ? el('p', { class: 'notice', id: 'notice' }, notice) : null, entryDisplay(kind), errorBanner()]));
    const nextButton = el('button', { type: 'button', id: 'next', class: 'button primary', disabled: busy || !pad.ready(entry), onclick: next }, t('button.next'));
    return [el('div', { class: 'split' }, left, numberPad(kind)), actions(cancel(), nextButton)];
  }

  function renderScreen(s) {
    switch (s.screen) {
      case 'loading':
        return page(t('wait.title'), '', []);
      case 'out_of_order':
        return page(t('out.title'), t('out.hint', { code: view.out_of_order }), []);
      case 'welcome': {
        const closed = view.box_open === false;
        return [
          ...page(t('welcome.title'), t('welcome.hint'), [closed ? el('p', { class: 'notice', id: 'notice' }, t('welcome.closed')) : null, errorBanner()]),
          el('div', { class: 'center' }, el('button', { type: 'button', id: 'start', class: 'button primary big', disabled: busy || closed, onclick: () => { entry = ''; call('start'); } }, t('button.start'))),
        ];
      }
      case 'enter_phone_number':
        return padScreen('phone', t('phone.title'), t('phone.hint'), null);
      case 'enter_pin':
        return padScreen('pin', t('pin.title'), t('pin.hint'), s.wrong_before > 0 ? t('pin.wrong', { n: s.wrong_before }) : null);
      case 'enter_birth_date':
        return padScreen('birth', t('birth.title'), t('birth.hint'), s.wrong_before > 0 ? t('birth.wrong', { n: s.wrong_before }) : null);
      case 'insert_old_document':
        return [
          ...page(t('doc.title'), t('doc.hint'), [
            s.returned_before > 0 ? el('p', { class: 'notice', id: 'notice' }, t('doc.returned')) : null,
            el('div', { class: 'slot-picture', 'aria-hidden': 'true' }, el('span', { class: 'card' }), el('span', { class: 'arrow' }, '▼'), el('span', { class: 'slot' })),
            el('p', { class: 'hint' }, t('doc.reading')),
            errorBanner(),
          ]),
          actions(cancel()),
        ];
      case 'confirm_pin_letter':
        return [
          ...page(t('letter.title'), t('letter.hint'), [errorBanner()]),
          actions(cancel(), button('confirm-letter', t('letter.yes'), () => send({ input: 'pin_letter_confirmed' }), 'primary wide')),
        ];
      case 'please_wait':
        return page(t('wait.title'), t('wait.hint'), [el('div', { class: 'spinner', 'aria-hidden': 'true' }), errorBanner()]);
      case 'take_document':
        return page(t('take.title', { n: s.compartment }), t('take.hint'), [
          el('p', { class: 'compartment', id: 'compartment', 'aria-hidden': 'true' }, String(s.compartment)),
          errorBanner(),
        ]);
      case 'thank_you':
        return [
          ...page(t('thanks.title'), view.old_document_drawn_in ? t('thanks.hint') : t('thanks.plain'), []),
          el('div', { class: 'center' }, button('finish', t('button.finish'), () => call('finish'), 'primary big')),
        ];
      case 'ended': {
        const reasonKey = M.de['reason.' + s.reason] ? 'reason.' + s.reason : 'reason.other';
        const what = s.to_counter ? t('ended.counter') : t('ended.again');
        return [
          ...page(t('ended.title'), t(reasonKey), [el('p', { class: 'notice strong', id: 'notice' }, what)]),
          el('div', { class: 'center' }, button('finish', t('button.finish'), () => call('finish'), 'primary big')),
        ];
      }
      default:
        return page(t('ended.title'), t('reason.other'), []);
    }
  }

  function render() {
    const s = screenOf(view);
    const key = JSON.stringify(s);
    const changed = key !== shownKey;
    if (changed) {
      entry = '';
      shownKey = key;
    }
    document.documentElement.lang = lang;
    document.title = t('app.title');
    document.getElementById('brand').textContent = t('brand');
    document.getElementById('lang-nav').setAttribute('aria-label', t('nav.language'));
    for (const l of ['de', 'en']) document.getElementById('lang-' + l).setAttribute('aria-pressed', String(l === lang));
    const main = document.getElementById('screen');
    main.dataset.screen = s.screen;
    const focusedId = document.activeElement && main.contains(document.activeElement) ? document.activeElement.id || document.activeElement.dataset.key : null;
    main.replaceChildren(...renderScreen(s).flat().filter((part) => part !== null && part !== undefined && part !== false));
    if (changed) main.focus({ preventScroll: true });
    else if (focusedId) {
      const again = document.getElementById(focusedId) || main.querySelector(`[data-key="${focusedId}"]`);
      if (again && !again.disabled) again.focus({ preventScroll: true });
    }
    const sim = document.getElementById('simulator');
    sim.hidden = !(view && view.simulator);
    document.getElementById('sim-title').textContent = t('sim.title');
    document.getElementById('sim-serial-label').textContent = t('sim.serial');
    document.getElementById('sim-insert').textContent = t('sim.insert');
    document.getElementById('sim-jam').textContent = t('sim.jam');
    document.getElementById('sim-close').textContent = t('sim.close');
  }

  function setLanguage(next) {
    lang = next;
    render();
  }

  let lastTouch = 0;
  function touched() {
    const now = Date.now();
    if (now - lastTouch > 2000) {
      lastTouch = now;
      invoke('touch').catch(() => {});
    }
  }

  document.addEventListener('pointerdown', touched, true);
  document.addEventListener('keydown', (event) => {
    touched();
    if (event.target && event.target.id === 'sim-serial') return;
    if (/^[0-9]$/.test(event.key)) { press(event.key); event.preventDefault(); }
    else if (event.key === 'Backspace') { press('delete'); event.preventDefault(); }
    else if (event.key === 'Enter' && !(event.target instanceof HTMLButtonElement)) { next(); event.preventDefault(); }
    else if (event.key === 'Escape' && PADS[screenOf(view).screen]) { entry = ''; send({ input: 'cancel' }); }
  });
  document.getElementById('lang-de').addEventListener('click', () => setLanguage('de'));
  document.getElementById('lang-en').addEventListener('click', () => setLanguage('en'));
  const sim = (command, args) => invoke(command, args).catch((error) => console.error(command, error && error.code));
  document.getElementById('sim-insert').addEventListener('click', () => sim('sim_insert', { serial: document.getElementById('sim-serial').value }));
  document.getElementById('sim-jam').addEventListener('click', () => sim('sim_jam'));
  document.getElementById('sim-close').addEventListener('click', () => sim('sim_close_door'));

  listen('box://view', (event) => { view = event.payload; errorDismissed = false; render(); });
  render();
  invoke('view').then((v) => { view = v; render(); });
})();
