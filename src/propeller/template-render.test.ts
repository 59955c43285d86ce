import { describe, expect, it } from 'vitest';
import { renderTemplate } from './template-render.ts';
import type { TemplateParams } from './template-render.ts';

const p: TemplateParams = {
  inputUri: 'file:///s/in/inputs.pb',
  inputPrefix: 'file:///s/in',
  outputPrefix: 'file:///s/in/0',
  rawOutputDataPrefix: 'file:///s/raw/ab/k',
  checkpointOutputPrefix: 'file:///s/raw/ab/k/_flytecheckpoints',
  prevCheckpointPrefix: '',
  perRetryUniqueKey: 'k',
  namespace: 'p-d',
  inputs: {
    literals: {
      n: { scalar: { primitive: { integer: '5' } } },
      l: { collection: { literals: [{ scalar: { primitive: { stringValue: 'a' } } }, { scalar: { primitive: { stringValue: 'b' } } }] } },
      f: { scalar: { blob: { uri: 'file:///s/f.txt' } } },
    },
  },
};

describe('renderTemplate', () => {
  it('renders Flyte templates case-insensitively with spaces and $ allowed', () => {
    expect(renderTemplate('{{.input}}', p)).toBe(p.inputUri);
    expect(renderTemplate('{{ .Input }}', p)).toBe(p.inputUri);
    expect(renderTemplate('{{$INPUTPREFIX}}', p)).toBe(p.inputPrefix);
    expect(renderTemplate('--o={{.outputPrefix}}/x', p)).toBe('--o=file:///s/in/0/x');
    expect(renderTemplate('{{.rawOutputDataPrefix}} {{.checkpointOutputPrefix}} [{{.prevCheckpointPrefix}}]', p)).toBe(
      'file:///s/raw/ab/k file:///s/raw/ab/k/_flytecheckpoints []',
    );
    expect(renderTemplate('{{.perRetryUniqueKey}} {{.namespace}}', p)).toBe('k p-d');
  });

  it('renders {{.inputs.x}} as text, lists as [a,b], blobs as URIs, and leaves unknown names', () => {
    expect(renderTemplate('{{.inputs.n}} {{.Inputs.l}} {{ .inputs.f }} {{.inputs.zz}}', p)).toBe('5 [a,b] file:///s/f.txt {{.inputs.zz}}');
  });
});
