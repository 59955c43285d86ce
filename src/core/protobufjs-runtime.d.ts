/**
 * Two modules of protobufjs's runtime that its typings do not declare on their own: the base of
 * message classes and the well-known types it wraps (`google.protobuf.Any`), which
 * `static-codecs.ts` imports without loading protobufjs's reflection.
 */
declare module 'protobufjs/src/message.js' {
  const Message: unknown;
  export default Message;
}
declare module 'protobufjs/src/wrappers.js' {
  const wrappers: unknown;
  export default wrappers;
}
