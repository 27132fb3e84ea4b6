// The generated monitoring app: boots from project.json, routes between pages (#/connect,
// #/dashboard, #/alarms, #/datalog, #/fleet, #/info, #/settings, #/selftest), shows the states a
// user must understand (broker unreachable, Tap offline, wrong netkey, not authorised) as banners,
// and registers the service worker.
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { Session } from './session.js';
import { h, fmtDateTime, fmtTime } from './dom.js';
import { makeWidget } from './widgets.js';
import { makeChart } from './chart.js';
import { selfTest } from './selftest.js';
import { isInteger } from './values.js';

const ADMIN = 65535;
let session;
let page = null;
const main = document.getElementById('main');

function nav() {
  const route = location.hash.replace(/^#\//, '') || 'dashboard';
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.route === route) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const badge = document.getElementById('alarm-badge');
  badge.textContent = session.unread ? String(session.unread) : '';
  badge.hidden = !session.unread;
  badge.setAttribute('aria-label', `${session.unread} new alarm events`);
}

function banners() {
  const box = document.getElementById('banners');
  const items = [];
  const b = session.broker;
  const pill = document.getElementById('conn-pill');
  if (!b) {
    pill.textContent = 'Not connected'; pill.className = 'pill';
  } else if (b.state === 'connected') {
    pill.textContent = `Broker connected`; pill.className = 'pill ok';
  } else if (b.state === 'refused') {
    pill.textContent = 'Broker refused'; pill.className = 'pill err';
    items.push(['err', 'broker', `Not authorised by the broker at ${b.url}: ${b.detail}.`]);
  } else {
    pill.textContent = b.state === 'connecting' ? 'Connecting…' : 'Broker unreachable';
    pill.className = b.state === 'connecting' ? 'pill' : 'pill err';
    if (b.state === 'unreachable') items.push(['err', 'broker', `Broker unreachable at ${b.url} (${b.detail}). Retrying…`]);
  }
  const link = session.link;
  if (link && b?.state === 'connected') {
    const st = link.status;
    if (st?.state === 'offline') {
      const since = st.since ? new Date(st.since) : link.statusAt;
      items.push(['err', 'offline', `Tap ${link.serial} is offline since ${fmtDateTime(since)}${st.reason ? ` (${st.reason})` : ''}: commands are not answered.`]);
    } else if (!st && link.statusAt === null) {
      items.push(['warn', 'unknown', `No status from Tap ${link.serial} on this broker yet: is the serial number right and the Tap running?`]);
    }
  }
  if (session.problem) items.push(['err', session.problem.kind, session.problem.message]);
  box.replaceChildren(...items.map(([cls, kind, text]) => h(`div.banner.${cls}`, { role: cls === 'err' ? 'alert' : 'status', 'data-banner': kind }, text)));
}

// ---- pages ----

function connectPage() {
  const s = session.settings;
  const field = (label, name, attrs = {}, help) => {
    const id = `f-${name}`;
    return h('div.field', {}, h('label', { htmlFor: id, text: label }),
      h('input', { id, name, value: s[name] ?? '', autocomplete: 'off', ...attrs }), help ? h('p.help', { id: `${id}-help`, text: help }) : null);
  };
  const online = h('ul.online', { 'aria-label': 'Taps seen online' });
  const datalist = h('datalist', { id: 'taps-online' });
  const profileSel = h('select', { id: 'f-profile', name: 'profile' },
    session.project.profiles.map((p) => h('option', { value: p.name, text: p.name, selected: p.name === s.profile })));
  const pwField = field('Profile password', 'profilePassword', { type: 'password', autocomplete: 'current-password' });
  const syncPw = () => { pwField.hidden = profileSel.value === 'anonymous'; };
  profileSel.addEventListener('change', syncPw);
  syncPw();
  const form = h('form.connect', { 'aria-labelledby': 'connect-title' },
    h('h1', { id: 'connect-title', text: `Connect to a ${session.project.application.name} Tap` }),
    h('fieldset', {}, h('legend', { text: 'Broker' }),
      field('Broker URL', 'url', { type: 'text', required: true, inputMode: 'url', spellcheck: false }, 'MQTT over WebSocket: ws://host:port/mqtt, or wss:// over TLS'),
      field('MQTT user name', 'username', { autocomplete: 'username' }),
      field('MQTT password', 'password', { type: 'password', autocomplete: 'current-password' })),
    h('fieldset', {}, h('legend', { text: 'Tap' }),
      field('Serial number', 'serial', { required: true, list: 'taps-online', spellcheck: false }, 'Or pick one of the Taps seen online below'),
      datalist, online,
      field('Netkey', 'netkey', { type: 'password', autocomplete: 'off' }, 'Only when the Tap seals its traffic with a netkey')),
    h('fieldset', {}, h('legend', { text: 'Tap profile' }),
      h('div.field', {}, h('label', { htmlFor: 'f-profile', text: 'Profile' }), profileSel), pwField),
    h('div.field.check', {}, h('input', { type: 'checkbox', id: 'f-remember', name: 'remember', checked: s.remember }),
      h('label', { htmlFor: 'f-remember', text: 'Remember the passwords and netkey on this device' })),
    h('button.primary', { type: 'submit', text: 'Connect' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    session.save({
      url: fd.get('url').trim(), username: fd.get('username'), password: fd.get('password'), serial: fd.get('serial').trim(),
      netkey: fd.get('netkey'), profile: fd.get('profile'), profilePassword: fd.get('profilePassword') ?? '', remember: fd.get('remember') === 'on',
    });
    location.hash = '#/dashboard';
    await session.connectTap();
  });
  const fill = () => {
    const taps = [...(session.broker?.fleet ?? new Map()).entries()].filter(([, t]) => t.status?.state === 'online');
    datalist.replaceChildren(...taps.map(([serial]) => h('option', { value: serial })));
    online.replaceChildren(...(taps.length ? taps.map(([serial, t]) => h('li', {}, h('button.link', {
      type: 'button', text: `${serial}${t.status.application ? ' · ' + t.status.application : ''}`,
      onclick: () => { form.elements.serial.value = serial; form.elements.serial.focus(); },
    }))) : [h('li.muted', { text: session.broker?.state === 'connected' ? 'No Tap online on this broker' : 'Connect to the broker to see the Taps online' })]));
  };
  // The Taps online come from the broker being typed in: reconnect to it once typing pauses.
  let retype = null;
  for (const name of ['url', 'username', 'password']) {
    form.elements[name].addEventListener('input', () => {
      clearTimeout(retype);
      retype = setTimeout(() => {
        Object.assign(session.settings, { url: form.elements.url.value.trim(), username: form.elements.username.value, password: form.elements.password.value });
        session.ensureBroker();
        banners(); fill();
      }, 500);
    });
  }
  session.ensureBroker();
  fill();
  return { el: form, update: (k) => { if (k === 'fleet' || k === 'broker') fill(); }, destroy: () => clearTimeout(retype) };
}

function dashboardPage() {
  if (!session.link) return needTap();
  const cards = [];
  const widgets = new Map();
  const charts = [];
  const bundles = session.readableBundles();
  for (const b of bundles) {
    const vars = session.bundleVars(b);
    const status = h('p.card-status', { 'data-bundle-status': b.name });
    const body = h('div.card-body');
    for (const v of vars) {
      const w = makeWidget(v, { canWrite: session.canWriteVar(v), write: (value) => session.write(v, value) });
      widgets.set(v.name, w);
      body.append(w.el);
      const numeric = (v.count ?? 1) === 1 && !v.choices?.length && v.render !== 'switch' && v.render !== 'text' && v.render !== 'slider';
      if (numeric && b.monitoring_period_ms > 0) {
        const box = h('div.chart', { 'aria-label': `${v.name} over the last minutes (drag to zoom, double-click to reset)`, role: 'img' });
        body.append(box);
        charts.push({ v, box });
      }
    }
    const period = b.monitoring_period_ms ? `every ${b.monitoring_period_ms >= 1000 ? b.monitoring_period_ms / 1000 + ' s' : b.monitoring_period_ms + ' ms'}` : 'not monitored';
    cards.push(h('section.card', { 'aria-labelledby': `b-${b.id}`, 'data-bundle': b.name },
      h('header', {}, h('h2', { id: `b-${b.id}`, text: b.name.replace(/_/g, ' ') }),
        b.monitoring_period_ms ? h('span.period', { text: period })
          : h('button.set', { type: 'button', text: 'Refresh', 'aria-label': `Refresh ${b.name}`, onclick: () => session.poll(b) })),
      body, status));
  }
  const hidden = session.project.bundles.length - bundles.length;
  const el = h('div.dashboard', {},
    h('div.page-head', {}, h('h1', { text: `${session.project.application.name} · ${session.link.serial}` }),
      h('p.muted', { 'data-profile': session.profile.name, text: `Dashboard of the ${session.profile.name} profile${hidden ? ` (${hidden} bundle${hidden > 1 ? 's need' : ' needs'} another profile)` : ''}` })),
    bundles.length ? h('div.cards', {}, cards) : h('p.empty', { text: `The ${session.profile.name} profile may read no bundle: log in as another profile on the connect page.` }));
  const plots = [];
  const mountCharts = () => {
    for (const { v, box } of charts) {
      plots.push({ v, chart: makeChart(box, { title: `${v.name}${v.unit ? ' (' + v.unit + ')' : ''}`, series: [{ label: v.name }], unit: '' }) });
    }
  };
  requestAnimationFrame(mountCharts);
  const refreshValue = (name) => {
    const w = widgets.get(name); const val = session.values.get(name);
    if (w && val) w.update(val.values);
  };
  for (const name of widgets.keys()) refreshValue(name);
  let drawPending = false;
  const draw = () => {
    drawPending = false;
    for (const { v, chart } of plots) {
      const hist = session.history.get(v.name);
      if (hist) chart.plot.setData([hist.t.slice(), hist.v.slice()], !chart.plot.zoomed);
    }
  };
  for (const p of plots) p.chart.plot.hooks?.setSelect?.push?.(() => { p.chart.plot.zoomed = true; });
  return {
    el,
    update(kind, d) {
      if (kind === 'value') {
        refreshValue(d.name);
        if (!drawPending) { drawPending = true; requestAnimationFrame(draw); }
      }
      if (kind === 'bundle') {
        const b = session.project.bundles.find((x) => x.id === d.bundle);
        const st = session.bundleState.get(d.bundle);
        const line = el.querySelector(`[data-bundle-status="${b.name}"]`);
        if (line && st) {
          line.textContent = st.error ? st.error : `Updated ${fmtTime(st.at)}`;
          line.className = st.error ? 'card-status err' : 'card-status';
          line.setAttribute('role', st.error ? 'alert' : 'status');
        }
      }
    },
    destroy() { for (const p of plots) p.chart.destroy(); },
  };
}

function needTap() {
  return { el: h('div.empty', {}, h('h1', { text: 'No Tap chosen' }), h('p', {}, 'Choose a Tap on the ', h('a', { href: '#/connect', text: 'connect page' }), '.')) };
}

function alarmsPage() {
  session.unread = 0;
  const list = h('ol.alarms', { 'aria-label': 'Alarm events, newest first' });
  const active = h('p');
  const fill = () => {
    session.unread = 0; nav();
    active.textContent = session.active.size ? `Active: ${[...session.active.keys()].join(', ')}` : 'No alarm active.';
    active.className = session.active.size ? 'active-alarms err' : 'active-alarms';
    list.replaceChildren(...session.alarms.map((a) => h(`li.alarm.${a.event}`, { 'data-alarm': a.name },
      h('time', { dateTime: a.at.toISOString(), text: fmtDateTime(a.at) }), ' ',
      h('strong', { text: a.name ?? `alarm ${a.alarm}` }), ` ${a.event}`,
      a.variable_name || a.value !== undefined ? ` · ${a.variable_name ?? ''} = ${a.value}${a.previous !== undefined ? ` (was ${a.previous})` : ''}` : '')));
    if (!session.alarms.length) list.replaceChildren(h('li.muted', { text: 'No alarm event since this page was opened.' }));
  };
  fill();
  return { el: h('div', {}, h('h1', { text: 'Alarms' }), active, list), update: (k) => { if (k === 'alarm') fill(); } };
}

function datalogPage() {
  const box = h('div.datalog');
  const plots = [];
  const fill = () => {
    for (const p of plots) p.destroy();
    plots.length = 0;
    const byBundle = new Map();
    for (const r of session.records) {
      const key = r.bundle ?? String(r.bundle_id);
      if (!byBundle.has(key)) byBundle.set(key, []);
      byBundle.get(key).push(r);
    }
    if (!byBundle.size) { box.replaceChildren(h('p.muted', { text: 'No datalog record received yet: the Tap sends them at each bundle\'s datalog period.' })); return; }
    const sections = [];
    for (const [name, recs] of byBundle) {
      const names = Object.keys(recs[recs.length - 1].values ?? {}).filter((n) => typeof recs[recs.length - 1].values[n] === 'number');
      const chartBox = h('div.chart');
      sections.push(h('section.card', {}, h('h2', { text: `${name} (${recs.length} records)` }), chartBox));
      requestAnimationFrame(() => {
        const c = makeChart(chartBox, { title: name, series: names.map((n) => ({ label: n })), unit: '' });
        c.plot.setData([recs.map((r) => r.at.getTime() / 1000), ...names.map((n) => recs.map((r) => r.values?.[n] ?? null))]);
        plots.push(c);
      });
    }
    box.replaceChildren(...sections);
  };
  const download = h('button.primary', {
    type: 'button', text: 'Download CSV',
    onclick: () => {
      const url = URL.createObjectURL(new Blob([session.recordsCsv()], { type: 'text/csv' }));
      const a = h('a', { href: url, download: `${session.settings.serial || 'tap'}-datalog.csv` });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
  });
  fill();
  return { el: h('div', {}, h('h1', { text: 'Datalog' }), h('p', {}, download), box), update: (k) => { if (k === 'record') fill(); }, destroy: () => plots.forEach((p) => p.destroy()) };
}

function fleetPage() {
  const tbody = h('tbody');
  const fill = () => {
    const rows = [...(session.broker?.fleet ?? new Map()).entries()].sort(([a], [b]) => a.localeCompare(b));
    tbody.replaceChildren(...rows.map(([serial, t]) => h('tr', { 'data-serial': serial },
      h('th', { scope: 'row' }, h('button.link', { type: 'button', text: serial, onclick: () => { session.save({ serial }); location.hash = '#/dashboard'; session.connectTap(); } })),
      h('td', {}, h(`span.state.${t.status?.state}`, { text: t.status?.state ?? '?' })),
      h('td', { text: t.status?.application ?? '' }), h('td', { text: t.status?.firmware ?? '' }),
      h('td', { text: t.status?.since ? fmtDateTime(new Date(t.status.since)) : fmtDateTime(t.receivedAt) }))));
    if (!rows.length) tbody.replaceChildren(h('tr', {}, h('td', { colSpan: 5, text: 'No Tap has published a status on this broker.' })));
  };
  session.ensureBroker();
  fill();
  return {
    el: h('div', {}, h('h1', { text: 'Fleet' }), h('div.table-wrap', {}, h('table', {}, h('caption', { text: 'Every Tap known to the broker (retained status)' }),
      h('thead', {}, h('tr', {}, ['Serial', 'State', 'Application', 'Firmware', 'Since'].map((c) => h('th', { scope: 'col', text: c })))), tbody))),
    update: (k) => { if (k === 'fleet') fill(); },
  };
}

function infoPage() {
  if (!session.link) return needTap();
  const dl = h('dl.info', {}, h('dt', { text: 'Loading…' }));
  const paths = [['Manufacturer', '/3//0'], ['Model', '/3//1'], ['Serial number', '/3//2'], ['Firmware', '/3//3'],
    ['Application', '/1024//9'], ['Configuration version', '/1024//10', 'u32'], ['Current profile', '/1024//2', 'u16'], ['Tap time', '/3//13', 'time']];
  session.readInfo(paths).then((rows) => {
    dl.replaceChildren(...rows.flatMap((r) => [h('dt', { text: r.label }), h('dd', { 'data-path': r.path, className: r.error ? 'err' : '', text: r.error ? `not available: ${r.error}` : r.path === '/1024//2' ? `${session.describeProfile(Number(r.text))} (${r.text})` : r.text })]));
  });
  const st = session.link.status;
  return {
    el: h('div', {}, h('h1', { text: `Tap ${session.link.serial}` }), dl,
      h('h2', { text: 'Status' }), h('pre', { text: st ? JSON.stringify(st, null, 2) : 'no retained status' }),
      h('h2', { text: 'Project' }), h('p', { text: `${session.project.application.name}, configuration ${session.project.application.config_version}: ${session.project.application.description ?? ''}` }),
      h('p.muted', { text: `Generated by ${session.project.generator ?? 'tapmq app'} from ${session.project.source ?? 'a project file'}. Topics: ${session.link.prefix}/…` })),
  };
}

function settingsPage() {
  if (!session.link) return needTap();
  if (session.profile.id !== ADMIN) {
    return { el: h('div', {}, h('h1', { text: 'Relay settings' }), h('p.banner.warn', { role: 'status', text: `Only the admin profile may see and change the relay settings; you are ${session.profile.name}. Log in as admin on the connect page.` })) };
  }
  const fields = [['Broker host', '/1024//50'], ['Broker port', '/1024//51', 'u16'], ['Client id', '/1024//52'], ['User name', '/1024//53'],
    ['Password', '/1024//54'], ['Netkey', '/1024//55'], ['Topic prefix', '/1024//58']];
  const form = h('div.settings');
  session.readInfo(fields).then((rows) => {
    form.replaceChildren(...rows.map((r, i) => {
      const id = `set-${i}`;
      const input = h('input', { id, value: r.text ?? '', type: fields[i][1].endsWith('54') || fields[i][1].endsWith('55') ? 'password' : 'text' });
      const fb = h('p.feedback', { role: 'status' });
      return h('div.field', {}, h('label', { htmlFor: id, text: r.label }), h('div.control', {}, input,
        h('button.set', { type: 'button', text: 'Save', 'aria-label': `Save ${r.label}`, onclick: async () => {
          fb.textContent = 'Saving…'; fb.className = 'feedback pending';
          try { await session.writeSetting(fields[i][1], fields[i][2], input.value); fb.textContent = 'Saved: the Tap reconnects with it'; fb.className = 'feedback ok'; } catch (e) { fb.textContent = e.message; fb.className = 'feedback err'; }
        } })), r.error ? h('p.feedback.err', { text: r.error }) : null, fb);
    }));
  });
  return { el: h('div', {}, h('h1', { text: 'Relay settings' }), h('p.muted', { text: 'How the Tap reaches its broker. A change makes the Tap reconnect with it.' }), form) };
}

function selftestPage() {
  const list = h('ul.selftest', { 'aria-label': 'Self-test results' }, h('li', { text: 'Running…' }));
  selfTest().then((results) => {
    list.replaceChildren(...results.map((r) => h(`li.${r.ok ? 'ok' : 'err'}`, { text: `${r.ok ? 'PASS' : 'FAIL'} ${r.name}${r.ok ? '' : `: got ${r.got}, want ${r.want}`}` })));
    list.dataset.done = results.every((r) => r.ok) ? 'pass' : 'fail';
  });
  return { el: h('div', {}, h('h1', { text: 'Self-test' }), h('p', { text: 'The test vectors of the Tap protocol (APDU, password hash, netkey keys and sealed frames) computed by this browser.' }), list) };
}

const PAGES = { connect: connectPage, dashboard: dashboardPage, alarms: alarmsPage, datalog: datalogPage, fleet: fleetPage, info: infoPage, settings: settingsPage, selftest: selftestPage };

function render() {
  const route = location.hash.replace(/^#\//, '') || 'dashboard';
  page?.destroy?.();
  page = (PAGES[route] ?? dashboardPage)();
  main.replaceChildren(page.el);
  nav(); banners();
}

async function boot() {
  let project;
  try {
    const r = await fetch('project.json', { cache: 'no-cache' });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    project = await r.json();
  } catch (e) {
    main.replaceChildren(h('div.banner.err', { role: 'alert', text: `This app has no project.json (${e.message}): generate it with \`tapmq app --project FILE -o DIR\` and serve DIR.` }));
    return;
  }
  document.title = `${project.application.name} · tapmq`;
  document.getElementById('app-name').textContent = project.application.name;
  session = new Session(project);
  window.tapmqSession = session;
  session.addEventListener('change', (e) => {
    const { kind } = e.detail;
    if (kind === 'broker' || kind === 'tap' || kind === 'problem' || kind === 'profile') banners();
    if (kind === 'alarm') nav();
    if (kind === 'tap' && location.hash === '#/dashboard' && !main.querySelector('.dashboard')) render();
    if (kind === 'profile') { render(); return; }
    page?.update?.(kind, e.detail);
  });
  window.addEventListener('hashchange', render);
  if (session.settings.serial && location.hash !== '#/connect' && location.hash !== '#/selftest') {
    session.connectTap();
  } else if (!location.hash || location.hash === '#/dashboard') {
    location.hash = '#/connect';
  }
  render();
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    navigator.serviceWorker.register('sw.js').catch(() => { /* the app works without it */ });
  }
}

window.tapmqSelfTest = selfTest;
boot();
