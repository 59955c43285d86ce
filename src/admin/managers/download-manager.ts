/**
 * Download links (flyteadmin's DataProxy `CreateDownloadLocation`, `CreateDownloadLink`, `GetData`):
 * a client holding a blob-store URI, a node's deck or a `flyte://` data URL gets the data, or a
 * URL of this sandbox to `GET` it from (signed: it names one file and an expiry, like an S3
 * pre-signed URL).
 *
 * `flyte://` URLs are flyteadmin's: `flyte://v1/<project>/<domain>/<execution>/<node>[/<attempt>]/<i|o|d>`,
 * and `…/<i|o>/<name>` for one input or output. `GetNodeExecutionData` and `GetTaskExecutionData`
 * hand them out in `flyte_urls`.
 */
import fs from 'node:fs';
import type { flyteidl, google } from '../../core/idl.ts';
import type { AdminContext } from '../context.ts';
import { adminError } from '../errors.ts';
import { expiryOf, notExpired, urlOrigin, UrlSigner } from './url-signer.ts';
import { readLiteralMap } from './execution-views.ts';
import type { ExecutionKey } from '../codec.ts';
import type { NodeExecutionManager } from './node-execution-manager.ts';

/** Entries of a directory blob listed at once (`GET /api/v1/blobs`, and an in-process task's download). */
export const MAX_BLOB_DIR_ENTRIES = 1000;

/** How long a download URL is valid when the request does not say (flyteadmin: one hour). */
const DEFAULT_EXPIRY_MS = 60 * 60 * 1000;
const MAX_EXPIRY_MS = 7 * 24 * 60 * 60 * 1000;
/** `CreateDownloadLinkRequest.artifact_type`: only decks exist. */
const ARTIFACT_TYPE_DECK = 1;

/** The signed query of a download URL. */
export interface DownloadSignature {
  uri: string;
  expires: string;
  sig: string;
}

/** What a `flyte://` data URL names. */
export interface FlyteDataUrl {
  exec: ExecutionKey;
  nodeId: string;
  /** A task attempt of the node, when the URL names one. */
  attempt?: number;
  /** Inputs, outputs or the deck. */
  kind: 'i' | 'o' | 'd';
  /** One input or output by name. */
  name?: string;
}

const PART = '[A-Za-z0-9_.-]+';
const FLYTE_URL = new RegExp(`^flyte://v1/(${PART})/(${PART})/(${PART})/(${PART})(?:/(\\d+))?/([iod])(?:/(${PART}))?$`);

/** Parses a `flyte://v1/…` data URL; undefined when it is not one. */
export function parseFlyteDataUrl(url: string): FlyteDataUrl | undefined {
  const m = FLYTE_URL.exec(url);
  if (!m) return undefined;
  const [, project, domain, name, nodeId, attempt, kind, item] = m as unknown as [string, string, string, string, string, string | undefined, 'i' | 'o' | 'd', string | undefined];
  if (kind === 'd' && item !== undefined) return undefined;
  return { exec: { project, domain, name }, nodeId, kind, ...(attempt !== undefined ? { attempt: Number(attempt) } : {}), ...(item !== undefined ? { name: item } : {}) };
}

/** The `flyte://` URLs of a node execution's (or one attempt's) inputs, outputs and deck. */
export function flyteDataUrls(exec: ExecutionKey, nodeId: string, attempt?: number, hasDeck = false): flyteidl.admin.IFlyteURLs {
  const base = `flyte://v1/${exec.project}/${exec.domain}/${exec.name}/${nodeId}${attempt !== undefined ? `/${attempt}` : ''}`;
  return { inputs: `${base}/i`, outputs: `${base}/o`, deck: hasDeck ? `${base}/d` : '' };
}


/** Hands out signed download URLs and the data behind `flyte://` URLs. */
export class DownloadManager {
  readonly #ctx: AdminContext;
  readonly #nodes: NodeExecutionManager;
  readonly #signer = new UrlSigner();

  constructor(ctx: AdminContext, nodes: NodeExecutionManager) {
    this.#ctx = ctx;
    this.#nodes = nodes;
  }

  /** Checks that `uri` is a file of the blob store; errors name `path`. */
  async #existingFile(uri: string, path: string): Promise<void> {
    const store = this.#ctx.dataStore;
    if (!store.contains(uri)) {
      throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} must be a URI in the sandbox's blob store (${store.rootUri}…), got ${JSON.stringify(uri)}`, { path });
    }
    if ((await store.stat(uri))?.kind !== 'file') throw adminError('SBX_ADMIN_DATA_NOT_FOUND', `${uri} is not a file in the blob store`, { path });
  }

  #signedUrl(uri: string, authority: string, expiresIn: google.protobuf.IDuration | null | undefined): { url: string; expiresAt: google.protobuf.ITimestamp } {
    const expires = expiryOf(this.#ctx.clock.now(), expiresIn, DEFAULT_EXPIRY_MS, MAX_EXPIRY_MS);
    const query = new URLSearchParams({ uri, expires, sig: this.#signer.sign(uri, expires) });
    return { url: `${urlOrigin(authority)}/api/v1/dataproxy/download?${query}`, expiresAt: { seconds: expires, nanos: 0 } };
  }

  /** `CreateDownloadLocation`: a signed URL of one file of the blob store. */
  async createLocation(req: flyteidl.service.ICreateDownloadLocationRequest, authority: string): Promise<flyteidl.service.ICreateDownloadLocationResponse> {
    const uri = String(req.nativeUrl ?? '');
    await this.#existingFile(uri, 'native_url');
    const { url, expiresAt } = this.#signedUrl(uri, authority, req.expiresIn);
    return { signedUrl: url, expiresAt };
  }

  /** `CreateDownloadLink`: signed URLs of a node execution's artifact (its deck: the only kind). */
  async createLink(req: flyteidl.service.ICreateDownloadLinkRequest, authority: string): Promise<flyteidl.service.ICreateDownloadLinkResponse> {
    if ((req.artifactType ?? ARTIFACT_TYPE_DECK) !== ARTIFACT_TYPE_DECK && req.artifactType !== 0) {
      throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `artifact_type ${String(req.artifactType)} is not one the sandbox serves (ARTIFACT_TYPE_DECK)`, { path: 'artifact_type' });
    }
    const id = req.nodeExecutionId;
    if (!id?.executionId || !id.nodeId) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', 'node_execution_id is required', { path: 'node_execution_id' });
    const exec = { project: String(id.executionId.project ?? ''), domain: String(id.executionId.domain ?? ''), name: String(id.executionId.name ?? '') };
    const links = await this.#deckLinks(exec, id.nodeId, authority, req.expiresIn);
    return { signedUrl: links.signedUrl, expiresAt: links.expiresAt, preSignedUrls: links };
  }

  async #deckLinks(exec: ExecutionKey, nodeId: string, authority: string, expiresIn?: google.protobuf.IDuration | null): Promise<flyteidl.service.IPreSignedURLs> {
    const deck = this.#nodes.getRow(exec, nodeId).deck_uri;
    if (!deck) throw adminError('SBX_ADMIN_DATA_NOT_FOUND', `node ${nodeId} of ${exec.name} has no deck (a task writes one when it enables decks)`);
    await this.#existingFile(deck, 'deck');
    const { url, expiresAt } = this.#signedUrl(deck, authority, expiresIn);
    return { signedUrl: [url], expiresAt };
  }

  /** `GetData`: the literals (or deck links) a `flyte://` URL names. */
  async getData(req: flyteidl.service.IGetDataRequest, authority: string): Promise<flyteidl.service.IGetDataResponse> {
    const url = String(req.flyteUrl ?? '');
    const parsed = parseFlyteDataUrl(url);
    if (!parsed) {
      throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `flyte_url must look like flyte://v1/<project>/<domain>/<execution>/<node>[/<attempt>]/<i|o|d>[/<name>], got ${JSON.stringify(url)}`, {
        path: 'flyte_url',
      });
    }
    if (parsed.kind === 'd') return { preSignedUrls: await this.#deckLinks(parsed.exec, parsed.nodeId, authority) };
    const row = parsed.attempt === undefined ? this.#nodes.getRow(parsed.exec, parsed.nodeId) : this.#nodes.attemptRow(parsed.exec, parsed.nodeId, parsed.attempt);
    const map = await readLiteralMap(this.#ctx.dataStore, parsed.kind === 'i' ? row.input_uri : row.output_uri);
    if (parsed.name === undefined) return { literalMap: map };
    const literal = map.literals?.[parsed.name];
    if (!literal) {
      const known = Object.keys(map.literals ?? {}).sort();
      throw adminError('SBX_ADMIN_DATA_NOT_FOUND', `${url}: no ${parsed.kind === 'i' ? 'input' : 'output'} named ${parsed.name} (it has ${known.length > 0 ? known.join(', ') : 'none'})`);
    }
    return { literal };
  }

  /** The blob-store URI of a signed download URL, after checking its signature and expiry. */
  async open(s: DownloadSignature): Promise<string> {
    if (!this.#signer.verify(s.sig, s.uri, s.expires)) {
      throw adminError('SBX_ADMIN_FORBIDDEN', 'this download URL is not one the sandbox gave out (or it was changed); ask for a new one with CreateDownloadLocation');
    }
    if (!notExpired(s.expires, this.#ctx.clock.now())) {
      throw adminError('SBX_ADMIN_FORBIDDEN', 'this download URL has expired; ask for a new one with CreateDownloadLocation');
    }
    await this.#existingFile(s.uri, 'uri');
    return s.uri;
  }
}
