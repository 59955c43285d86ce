import protobuf from 'protobufjs';
import { describe, expect, test } from 'vitest';
import { decode, encode, idlDescriptor, readyType, rootFromDescriptor } from './idl.ts';

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

  test('readyType gives every type the features and field types Root.fromJSON gives it eagerly', () => {
    const eager = protobuf.Root.fromJSON(descriptor);
    const lazy = rootFromDescriptor(descriptor);
    const types = messageTypes(lazy);
    expect(types.length).toBeGreaterThan(300);
    for (const t of types) {
      const e = eager.lookupType(t.fullName);
      expect(shape(readyType(t)), t.fullName).toEqual(shape(e));
    }
  });

  test('readying one type leaves types it does not reach unresolved', () => {
    const lazy = rootFromDescriptor(descriptor);
    readyType(lazy.lookupType('flyteidl.core.LiteralMap'));
    const unrelated = lazy.lookupType('flyteidl.admin.ProjectAttributes');
    expect((unrelated as unknown as { _featuresResolved: boolean })._featuresResolved).toBe(false);
    expect(unrelated.fieldsArray.every((f) => !f.resolved)).toBe(true);
  });

  test('encode and decode work on types readied at first use', () => {
    const closure = { phase: 4, outputs: { uri: 'file:///x' } };
    expect(decode('flyteidl.admin.ExecutionClosure', encode('flyteidl.admin.ExecutionClosure', closure))).toMatchObject({ phase: 4, outputs: { uri: 'file:///x' } });
  });
});
