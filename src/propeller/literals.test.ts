import { describe, expect, it } from 'vitest';
import { jsToStruct } from '../core/idl.ts';
import { literalFromText, primitiveText, resolveAttrPath } from './literals.ts';

describe('literals', () => {
  it('resolves attribute paths through collections, maps and structs', () => {
    const l = { collection: { literals: [{ map: { literals: { k: { scalar: { generic: jsToStruct({ a: [1, { b: 'x' }] }) } } } } }] } };
    const path = [{ intValue: 0 }, { stringValue: 'k' }, { stringValue: 'a' }, { intValue: 1 }, { stringValue: 'b' }];
    expect(resolveAttrPath(l, path)).toEqual({ scalar: { primitive: { stringValue: 'x' } } });
    expect(resolveAttrPath({ scalar: { generic: jsToStruct({ n: 3 }) } }, [{ stringValue: 'n' }])).toEqual({ scalar: { primitive: { floatValue: 3 } } });
    expect(resolveAttrPath({ scalar: { generic: jsToStruct({ n: 3 }) } }, [{ stringValue: 'n' }], true)).toEqual({ scalar: { primitive: { integer: '3' } } });
    expect(() => resolveAttrPath(l, [{ intValue: 4 }])).toThrow(/out of range/);
  });

  it('converts copilot text both ways', () => {
    expect(primitiveText({ scalar: { primitive: { floatValue: 1.5 } } })).toBe('1.5');
    expect(primitiveText({ scalar: { noneType: {} } })).toBe('null');
    expect(literalFromText(1, ' 42\n')).toEqual({ scalar: { primitive: { integer: '42' } } });
    expect(literalFromText(4, 'true')).toEqual({ scalar: { primitive: { boolean: true } } });
    expect(() => literalFromText(1, 'x')).toThrow(/integer/);
  });
});
