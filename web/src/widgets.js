// One widget per variable, chosen from the project's display hints: value with unit, gauge with
// min/max, on/off switch, slider + number input, choice list, text. A writable variable the profile
// may write gets a control; its write goes through `write(value)`, which resolves to a message for
// the feedback line (the value read back) or throws one (the refusal's reason).
import { h, nextId } from './dom.js';
import { formatValue, isInteger } from './values.js';

function gauge(v) {
  const min = v.min ?? 0; const max = v.max ?? 100;
  const arc = h('div.gauge-fill');
  const el = h('div.gauge', { role: 'meter', 'aria-valuemin': min, 'aria-valuemax': max, 'aria-label': v.name },
    h('div.gauge-track', {}, arc), h('div.gauge-scale', {}, h('span', { text: `${min}` }), h('span', { text: `${max}${v.unit ? ' ' + v.unit : ''}` })));
  return {
    el,
    update(x) {
      const f = Math.min(1, Math.max(0, (x - min) / (max - min || 1)));
      arc.style.width = `${(f * 100).toFixed(1)}%`;
      el.setAttribute('aria-valuenow', x);
    },
  };
}

export function makeWidget(v, { canWrite, write }) {
  const id = nextId(`var-${v.name}`);
  const valueEl = h('output.value', { id: `${id}-value`, 'data-var': v.name, 'aria-live': 'off', text: '–' });
  const unitEl = v.unit ? h('span.unit', { text: v.unit }) : null;
  const feedback = h('p.feedback', { role: 'status', 'data-feedback': v.name });
  const writable = v.access === 'rw' && canWrite;
  let control = null;
  let extra = null;
  let setBtn = null;
  let current = null;
  const single = (v.count ?? 1) === 1;

  const doWrite = async (value) => {
    feedback.className = 'feedback pending';
    feedback.textContent = `Writing ${v.name}…`;
    try {
      feedback.textContent = await write(value);
      feedback.className = 'feedback ok';
    } catch (e) {
      feedback.textContent = e.message;
      feedback.className = 'feedback err';
      if (current !== null) setControl(current);
    }
  };

  const setControl = (values) => {
    if (!control || document.activeElement === control) return;
    if (control.type === 'checkbox') control.checked = !!values[0];
    else if (control.tagName === 'SELECT') control.value = String(values[0]);
    else control.value = String(values[0]);
  };

  if (v.render === 'gauge' && single) extra = gauge(v);
  if (writable && single) {
    if (v.render === 'switch') {
      control = h('input', { type: 'checkbox', role: 'switch', id, 'data-control': v.name, onchange: () => doWrite(control.checked ? 1 : 0) });
    } else if (v.choices?.length) {
      control = h('select', { id, 'data-control': v.name, onchange: () => doWrite(Number(control.value)) },
        v.choices.map((c) => h('option', { value: String(c.value), text: c.label })));
    } else {
      const step = v.step ?? (isInteger(v.type) ? 1 : 'any');
      const num = h('input', { type: 'number', id, 'data-control': v.name, step, min: v.min, max: v.max, inputMode: isInteger(v.type) ? 'numeric' : 'decimal' });
      const apply = () => { if (num.value !== '') doWrite(Number(num.value)); };
      num.addEventListener('keydown', (e) => { if (e.key === 'Enter') apply(); });
      if (v.render === 'slider' && v.min !== undefined && v.max !== undefined) {
        const slider = h('input.slider', { type: 'range', min: v.min, max: v.max, step, 'aria-label': `${v.name} slider`, tabIndex: 0 });
        slider.addEventListener('input', () => { num.value = slider.value; });
        slider.addEventListener('change', () => doWrite(Number(slider.value)));
        num.addEventListener('input', () => { slider.value = num.value; });
        extra = { el: slider, update: (x) => { if (document.activeElement !== slider) slider.value = x; } };
      }
      control = num;
      setBtn = h('button.set', { type: 'button', text: 'Set', onclick: apply, 'aria-label': `Set ${v.name}` });
    }
  }

  const label = h('label.name', { htmlFor: control ? id : `${id}-value`, text: v.name });
  const row = h('div.var', { 'data-render': v.render ?? 'number' },
    h('div.var-head', {}, label, h('span.reading', {}, valueEl, unitEl)),
    extra?.el,
    control ? h('div.control', {}, control, setBtn) : null,
    (v.access === 'rw' && !writable) ? h('p.hint', { text: 'Read-only for this profile' }) : null,
    feedback);
  return {
    el: row,
    update(values) {
      current = values;
      valueEl.textContent = formatValue(v, values);
      if (v.render === 'switch') row.classList.toggle('on', !!values[0]);
      extra?.update?.(values[0]);
      setControl(values);
    },
  };
}
