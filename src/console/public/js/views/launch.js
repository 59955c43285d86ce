// The launch form: built from a launch plan's (or workflow's, or task's) interface, with typed
// inputs, defaults prefilled, fixed inputs shown, and validation messages; creates an execution.

import { api } from '../api.js';
import { button, errorText, icon, loading, notice } from '../components.js';
import { h, render } from '../dom.js';
import { shortName } from '../format.js';
import { InputError, inputKind, inputTextToLiteral, literalToInputText, optionalInner, readLiteral, toPlain, typeToString } from '../literals.js';

/** An example value for a JSON field, from its type. */
export function exampleFor(lt, depth = 0) {
  if (!lt || depth > 3) return null;
  if (lt.simple) {
    if (lt.simple === 'STRUCT') {
      const fields = lt.structure?.dataclass_type;
      return fields && Object.keys(fields).length ? Object.fromEntries(Object.entries(fields).map(([k, t]) => [k, exampleFor(t, depth + 1)])) : { key: 'value' };
    }
    return { INTEGER: 0, FLOAT: 0.5, STRING: 'text', BOOLEAN: false, DATETIME: '2024-01-01T00:00:00Z', DURATION: '1.5s', NONE: null }[lt.simple] ?? null;
  }
  if (lt.collection_type) return [exampleFor(lt.collection_type, depth + 1)];
  if (lt.map_value_type) return { key: exampleFor(lt.map_value_type, depth + 1) };
  if (lt.enum_type) return lt.enum_type.values?.[0] ?? '';
  if (lt.blob) return 'file:///path/in/the/sandbox/store';
  if (lt.union_type) return exampleFor((lt.union_type.variants ?? []).find((v) => v.simple !== 'NONE'), depth + 1);
  return null;
}

const PLACEHOLDER = {
  int: 'an integer, e.g. 42',
  float: 'a number, e.g. 3.14',
  str: 'text',
  datetime: '2024-05-01T12:00:00Z',
  duration: '1.5s, 5m or 1h30m',
  blob: 'file:///… (a file in the sandbox store)',
};

/**
 * The launch target and its inputs, from the entity: `{ target (identifier for spec.launch_plan),
 * title, params: [{ name, type, description, default?, required, fixed? }] }`.
 */
export async function launchSpec(kind, id) {
  if (kind === 'TASK') {
    const task = await api.getEntity('TASK', id);
    const vars = task.closure?.compiled_task?.template?.interface?.inputs?.variables ?? {};
    return { target: { resource_type: 'TASK', ...pick(id) }, title: id.name, params: Object.entries(vars).map(([name, v]) => ({ name, type: v.type, description: v.description, required: true })) };
  }
  let lp;
  if (kind === 'LAUNCH_PLAN') lp = await api.getEntity('LAUNCH_PLAN', id);
  else lp = await api.getEntity('LAUNCH_PLAN', id).catch(() => undefined);
  if (lp) {
    const expected = lp.closure?.expected_inputs?.parameters ?? {};
    const fixed = lp.spec?.fixed_inputs?.literals ?? {};
    /** @type {{ name: string, type: unknown, description?: string, default?: unknown, required: boolean, fixed?: unknown }[]} */
    const params = Object.entries(expected).map(([name, p]) => ({ name, type: p.var?.type, description: p.var?.description, default: p.default, required: Boolean(p.required) && !p.default }));
    for (const [name, lit] of Object.entries(fixed)) if (!(name in expected)) params.push({ name, type: undefined, fixed: lit, required: false });
    return { target: { resource_type: 'LAUNCH_PLAN', ...pick(lp.id) }, title: lp.id.name, params };
  }
  const wf = await api.getEntity('WORKFLOW', id);
  const vars = wf.closure?.compiled_workflow?.primary?.template?.interface?.inputs?.variables ?? {};
  return { target: { resource_type: 'WORKFLOW', ...pick(id) }, title: id.name, params: Object.entries(vars).map(([name, v]) => ({ name, type: v.type, description: v.description, required: true })) };
}

function pick(id) {
  return { project: id.project, domain: id.domain, name: id.name, version: id.version };
}

/** Reads the form: `{ literals, errors: { name: message } }`. */
export function readInputs(params, values) {
  const literals = {};
  const errors = {};
  for (const p of params) {
    if (p.fixed) continue;
    const text = values[p.name] ?? '';
    try {
      const lit = inputTextToLiteral(text, p.type, p.name);
      if (lit === undefined) {
        if (p.required) errors[p.name] = `${p.name} is required (${typeToString(p.type)})`;
        continue;
      }
      literals[p.name] = lit;
    } catch (e) {
      if (e instanceof InputError) errors[p.name] = e.message;
      else throw e;
    }
  }
  return { literals, errors };
}

function initialText(p, initial) {
  const lit = initial?.literals?.[p.name] ?? p.default;
  if (!lit) return inputKind(p.type) === 'bool' ? 'false' : '';
  return literalToInputText(lit, p.type);
}

/**
 * Opens the launch dialog. `opts` = { kind: TASK | WORKFLOW | LAUNCH_PLAN, id, initial?
 * (LiteralMap to prefill), title?, onLaunched(execId) }.
 */
export function openLaunchDialog(opts) {
  const dialog = h('dialog', { class: 'dialog launch', 'aria-labelledby': 'launch-title' });
  document.body.appendChild(dialog);
  let spec;
  let loadError;
  let values = {};
  let errors = {};
  let touched = {};
  let submitting = false;
  let submitError;
  let execName = '';

  const close = () => {
    dialog.close();
    dialog.remove();
  };
  dialog.addEventListener('close', () => dialog.remove());
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) close();
  });

  const validate = (name) => {
    const r = readInputs(spec.params.filter((p) => name === undefined || p.name === name), values);
    if (name === undefined) errors = r.errors;
    else {
      errors = { ...errors };
      if (r.errors[name]) errors[name] = r.errors[name];
      else delete errors[name];
    }
    return r;
  };

  const submit = async (ev) => {
    ev.preventDefault();
    touched = Object.fromEntries(spec.params.map((p) => [p.name, true]));
    const { literals, errors: errs } = validate();
    if (Object.keys(errs).length > 0) {
      draw();
      dialog.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    submitting = true;
    submitError = undefined;
    draw();
    try {
      const req = { project: spec.target.project, domain: spec.target.domain, spec: { launch_plan: spec.target, metadata: { mode: 'MANUAL', principal: 'console' } }, inputs: { literals } };
      if (execName.trim()) req.name = execName.trim();
      const r = await api.createExecution(req);
      close();
      opts.onLaunched?.(r.id);
    } catch (e) {
      submitting = false;
      submitError = e;
      // Point at the input the API names, if it does.
      const m = /inputs?\.(\w+)|input (\w+)/.exec(e.message ?? '');
      const name = m?.[1] ?? m?.[2];
      if (name && spec.params.some((p) => p.name === name)) errors = { ...errors, [name]: e.message };
      draw();
    }
  };

  const field = (p) => {
    const idFor = `in-${p.name}`;
    const errId = `err-${p.name}`;
    const err = touched[p.name] ? errors[p.name] : undefined;
    const kind = inputKind(p.type);
    const common = {
      id: idFor,
      name: p.name,
      'aria-invalid': err ? 'true' : 'false',
      'aria-describedby': `${errId} hint-${p.name}`,
      onInput: (e) => {
        values = { ...values, [p.name]: e.target.type === 'checkbox' ? String(e.target.checked) : e.target.value };
        if (touched[p.name]) {
          validate(p.name);
          draw();
        }
      },
      onChange: (e) => {
        values = { ...values, [p.name]: e.target.type === 'checkbox' ? String(e.target.checked) : e.target.value };
        touched = { ...touched, [p.name]: true };
        validate(p.name);
        draw();
      },
      onBlur: () => {
        touched = { ...touched, [p.name]: true };
        validate(p.name);
        draw();
      },
    };
    let control;
    const inner = kind === 'optional' ? optionalInner(p.type) : p.type;
    const innerKind = inputKind(inner);
    if (p.fixed) {
      control = h('div', { class: 'fixed-value' }, h('code', null, JSON.stringify(toPlain(readLiteral(p.fixed)))), h('span', { class: 'muted' }, ' fixed by the launch plan'));
    } else if (kind === 'none') {
      control = h('div', { class: 'fixed-value muted', id: idFor }, 'none: this input has no value to enter');
    } else if (innerKind === 'bool' && kind !== 'optional') {
      control = h('label', { class: 'check' }, h('input', { ...common, type: 'checkbox', checked: values[p.name] === 'true' }), values[p.name] === 'true' ? 'true' : 'false');
    } else if (innerKind === 'enum' || innerKind === 'bool') {
      const opts2 = innerKind === 'bool' ? ['true', 'false'] : (inner.enum_type.values ?? []);
      control = h(
        'select',
        { ...common, class: 'input', value: values[p.name] ?? '' },
        kind === 'optional' || !values[p.name] ? h('option', { value: '' }, kind === 'optional' ? '(none)' : 'Choose…') : null,
        opts2.map((v) => h('option', { value: v, selected: values[p.name] === v }, v)),
      );
    } else if (innerKind === 'json') {
      control = h('textarea', { ...common, class: 'input mono', rows: String(Math.min(10, Math.max(3, (values[p.name] ?? '').split('\n').length + 1))), spellcheck: 'false', placeholder: JSON.stringify(exampleFor(inner)), value: values[p.name] ?? '' });
    } else {
      const inputmode = innerKind === 'int' ? 'numeric' : innerKind === 'float' ? 'decimal' : undefined;
      control = h('input', { ...common, class: 'input', type: 'text', inputmode, autocomplete: 'off', spellcheck: innerKind === 'str' ? undefined : 'false', placeholder: PLACEHOLDER[innerKind] ?? '', value: values[p.name] ?? '' });
    }
    const hints = [];
    if (p.description && p.description !== p.name) hints.push(p.description);
    if (p.default) hints.push(`Default: ${literalToInputText(p.default, p.type).replace(/\s+/g, ' ') || 'none'}`);
    if (kind === 'optional') hints.push('Leave empty for none.');
    if (innerKind === 'json' && !p.fixed) hints.push(`JSON, e.g. ${JSON.stringify(exampleFor(inner))}`);
    return h(
      'div',
      { class: ['field', err ? 'invalid' : ''], key: p.name },
      h('label', { for: idFor, class: 'field-label' }, h('span', { class: 'v-name' }, p.name), p.type ? h('span', { class: 'v-type' }, typeToString(p.type)) : null, p.required ? h('span', { class: 'req' }, 'required') : null),
      control,
      hints.length ? h('p', { class: 'hint', id: `hint-${p.name}` }, hints.join(' · ')) : null,
      h('p', { class: 'field-error', id: errId, role: err ? 'alert' : undefined }, err ?? ''),
    );
  };

  const draw = () => {
    let body;
    if (loadError) body = [notice('error', 'Cannot launch', errorText(loadError)), h('div', { class: 'dialog-actions' }, button('Close', close))];
    else if (!spec) body = [loading('Reading the interface…')];
    else
      body = [
        h(
          'form',
          { class: 'launch-form', novalidate: true, onSubmit: submit },
          h('p', { class: 'muted mono small' }, `${spec.target.resource_type.toLowerCase().replace('_', ' ')} ${spec.target.name} @ ${spec.target.version}`),
          spec.params.length === 0 ? h('p', { class: 'muted' }, 'This entity takes no inputs.') : spec.params.map(field),
          h(
            'details',
            { class: 'advanced', 'data-keep-open': '' },
            h('summary', null, 'Advanced'),
            h(
              'div',
              { class: 'field' },
              h('label', { for: 'in-exec-name', class: 'field-label' }, 'Execution name'),
              h('input', { id: 'in-exec-name', class: 'input mono', type: 'text', placeholder: 'generated', value: execName, onInput: (e) => (execName = e.target.value) }),
              h('p', { class: 'hint' }, 'Optional: 1–63 lowercase letters, digits and dashes, starting with a letter.'),
            ),
          ),
          submitError ? notice('error', 'The sandbox refused this execution', errorText(submitError)) : null,
          h(
            'div',
            { class: 'dialog-actions' },
            button('Cancel', close),
            button(submitting ? 'Launching…' : 'Launch', undefined, { variant: 'primary', type: 'submit', iconName: 'play', disabled: submitting }),
          ),
        ),
      ];
    render(
      dialog,
      h(
        'div',
        { class: 'dialog-head' },
        h('h2', { id: 'launch-title' }, opts.title ?? 'Launch', spec ? h('span', { class: 'muted' }, ` ${shortName(spec.title)}`) : null),
        h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': 'Close', onClick: close }, icon('close')),
      ),
      ...body,
    );
  };

  draw();
  dialog.showModal();
  launchSpec(opts.kind, opts.id)
    .then((sp) => {
      spec = sp;
      values = Object.fromEntries(spec.params.filter((p) => !p.fixed).map((p) => [p.name, initialText(p, opts.initial)]));
      draw();
      dialog.querySelector('input:not([type=hidden]), select, textarea')?.focus();
    })
    .catch((e) => {
      loadError = e;
      draw();
    });
  return { close };
}
