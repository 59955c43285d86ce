/** Types of `idl-codecs.mjs`, for the tests that load what the build generates. */
export function codecsModule(root: import('protobufjs').Root): { source: string; count: number };
