// Console URLs. The page is served for every path under the console's base (`<base href>`), so
// these are real paths (deep links such as /console/projects/p/domains/d/executions/name work).

/** The console's base path, e.g. "/console/". */
export function basePath() {
  return new URL(document.baseURI).pathname.replace(/\/?$/, '/');
}

const enc = encodeURIComponent;

function withQuery(path, query) {
  const q = Object.entries(query ?? {})
    .filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== false)
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`)
    .join('&');
  return q ? `${path}?${q}` : path;
}

/** The list of executions. */
export function executionsUrl(project, domain, query) {
  return withQuery(`${basePath()}projects/${enc(project)}/domains/${enc(domain)}/executions`, query);
}

/** One execution; `query.node` opens a node's panel, `query.tab` a tab. */
export function executionUrl(id, query) {
  return withQuery(`${basePath()}projects/${enc(id.project)}/domains/${enc(id.domain)}/executions/${enc(id.name)}`, query);
}

/** Section names in URLs for the three entity kinds. */
export const ENTITY_SECTIONS = { WORKFLOW: 'workflows', TASK: 'tasks', LAUNCH_PLAN: 'launch_plans' };

/** The list of registered entities of a kind (WORKFLOW, TASK, LAUNCH_PLAN). */
export function entitiesUrl(project, domain, kind, query) {
  return withQuery(`${basePath()}projects/${enc(project)}/domains/${enc(domain)}/${ENTITY_SECTIONS[kind]}`, query);
}

/** One entity (all versions; `version` selects one). */
export function entityUrl(project, domain, kind, name, version) {
  return withQuery(`${basePath()}projects/${enc(project)}/domains/${enc(domain)}/${ENTITY_SECTIONS[kind]}/${enc(name)}`, { version });
}

/**
 * Parses a console path into a route: `{ view, project, domain, name?, kind? }` with view one of
 * home, executions, execution, entities, entity, notfound.
 */
export function parseRoute(pathname, base = basePath()) {
  let rest = pathname.startsWith(base) ? pathname.slice(base.length) : pathname === base.slice(0, -1) ? '' : pathname.replace(/^\//, '');
  rest = rest.replace(/\/+$/, '');
  if (rest === '') return { view: 'home' };
  const parts = rest.split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] !== 'projects' || parts.length < 2) return { view: 'notfound' };
  const project = parts[1];
  if (parts.length === 2) return { view: 'home', project };
  if (parts[2] !== 'domains' || parts.length < 4) return { view: 'notfound' };
  const domain = parts[3];
  const section = parts[4] ?? 'executions';
  if (section === 'executions') {
    if (parts.length <= 5) return { view: 'executions', project, domain };
    if (parts.length === 6) return { view: 'execution', project, domain, name: parts[5] };
    return { view: 'notfound' };
  }
  const kind = Object.keys(ENTITY_SECTIONS).find((k) => ENTITY_SECTIONS[k] === section);
  if (!kind) return { view: 'notfound' };
  if (parts.length === 5) return { view: 'entities', project, domain, kind };
  if (parts.length === 6) return { view: 'entity', project, domain, kind, name: parts[5] };
  return { view: 'notfound' };
}
