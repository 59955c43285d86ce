import protobuf from 'protobufjs';
import { describe, expect, test } from 'vitest';
import { decode, encode, idlDescriptor, idlUnits, readyType, rootFromDescriptor } from './idl.ts';

/** Every message type of a root, nested ones included. */
function messageTypes(ns: protobuf.NamespaceBase, out: protobuf.Type[] = []): protobuf.Type[] {
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Type) out.push(o);
    if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) messageTypes(o, out);
  }
  return out;
}

/** What reflection and codecs read of a type: features and resolved types of it and its members. */
function shape(t: protobuf.Type): unknown {
  const features = (o: protobuf.ReflectionObject): unknown => (o as unknown as { _features?: unknown })._features;
  return {
    features: features(t),
    fields: t.fieldsArray.map((f) => ({
      name: f.name,
      features: features(f),
      resolved: f.resolvedType?.fullName ?? null,
      packed: Boolean(f.packed),
      hasPresence: Boolean(f.hasPresence),
      delimited: Boolean(f.delimited),
      typeDefault: String(f.typeDefault),
    })),
    oneofs: t.oneofsArray.map((o) => ({ name: o.name, features: features(o) })),
  };
}

describe('the reflection root, built lazily', () => {
  const descriptor = idlDescriptor();
  const eager = protobuf.Root.fromJSON(descriptor);
  const allTypes = messageTypes(eager);

  test('every type, looked up alone in a fresh root, gets the features and field types Root.fromJSON gives it', () => {
    expect(allTypes.length).toBeGreaterThan(300);
    for (const e of allTypes) {
      const lazy = rootFromDescriptor(descriptor);
      const t = lazy.lookup(e.fullName.slice(1));
      expect(t, e.fullName).toBeInstanceOf(protobuf.Type);
      expect(shape(readyType(t as protobuf.Type)), e.fullName).toEqual(shape(e));
    }
  });

  test('the same when every type is looked up, one after the other, in one root', () => {
    const lazy = rootFromDescriptor(descriptor);
    for (const e of [...allTypes].reverse()) expect(shape(readyType(lazy.lookup(e.fullName.slice(1)) as protobuf.Type)), e.fullName).toEqual(shape(e));
    expect(messageTypes(lazy.root).length).toBe(allTypes.length);
  });

  test('a service comes with its request and response types', () => {
    const lazy = rootFromDescriptor(descriptor);
    const service = lazy.lookup('flyteidl.service.DataProxyService') as protobuf.Service;
    for (const m of service.methodsArray) {
      m.resolve();
      expect(m.resolvedRequestType, m.name).toBeInstanceOf(protobuf.Type);
      expect(m.resolvedResponseType, m.name).toBeInstanceOf(protobuf.Type);
    }
  });

  test('looking a type up adds only what it reaches, and resolves nothing', () => {
    const lazy = rootFromDescriptor(descriptor);
    const literalMap = lazy.lookup('flyteidl.core.LiteralMap') as protobuf.Type;
    const added = messageTypes(lazy.root);
    expect(added.length).toBeLessThan(allTypes.length / 4);
    expect(added.map((t) => t.fullName)).toContain('.flyteidl.core.Literal');
    expect(added.map((t) => t.fullName)).not.toContain('.flyteidl.admin.ProjectAttributes');
    expect(literalMap.fieldsArray.every((f) => !f.resolved)).toBe(true);
    expect(() => lazy.lookup('flyteidl.core.NoSuchThing')).toThrow(/no protobuf definition named flyteidl.core.NoSuchThing/);
  });

  test('the unit table names what it cannot resolve', () => {
    const broken = { nested: { p: { nested: { A: { fields: { b: { type: 'Missing', id: 1 } } } } } } };
    expect(() => idlUnits(broken)).toThrow('p.A: no definition named Missing');
  });

  test('all() adds every definition', () => {
    expect(messageTypes(rootFromDescriptor(descriptor).all()).length).toBe(allTypes.length);
  });

  test('encode and decode work on types readied at first use', () => {
    const closure = { phase: 4, outputs: { uri: 'file:///x' } };
    expect(decode('flyteidl.admin.ExecutionClosure', encode('flyteidl.admin.ExecutionClosure', closure))).toMatchObject({ phase: 4, outputs: { uri: 'file:///x' } });
  });
});
