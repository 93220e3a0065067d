import type http from 'node:http';
import { createRequire } from 'node:module';
import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * GraphiQL served from the service itself, so it works offline and no request leaves the machine.
 * yoga's own page loads its scripts from a CDN; @graphql-yoga/render-graphiql bundles the same
 * GraphiQL (React, Monaco and its workers included) as strings. Its own renderer inlines all of it
 * (9 MB) into every page; here the page stays small and the bundle is served once, cacheable, under
 * ASSET_PATH, the Monaco workers included (same-origin worker scripts, no blob: URLs needed).
 */
export const GRAPHIQL_ASSET_PATH = '/graphiql/assets/';

type Bundle = typeof import('@graphql-yoga/render-graphiql/graphiql');

const version: string = createRequire(import.meta.url)('@graphql-yoga/render-graphiql/package.json').version;

let bundle: Bundle | undefined;
/** Loaded on the first GraphiQL request: 14 MB of strings that an API-only process never needs. */
async function loadBundle(): Promise<Bundle> {
  bundle ??= await import('@graphql-yoga/render-graphiql/graphiql');
  return bundle;
}

const assets: Record<string, { type: string; body: (b: Bundle) => string }> = {
  'graphiql.js': { type: 'text/javascript', body: (b) => b.js },
  'graphiql.css': { type: 'text/css', body: (b) => b.css },
  'editor.worker.js': { type: 'text/javascript', body: (b) => b.editorWorkerService },
  'json.worker.js': { type: 'text/javascript', body: (b) => b.jsonWorker },
  'graphql.worker.js': { type: 'text/javascript', body: (b) => b.graphqlWorker },
};

/** Serves GET /graphiql/assets/<name>; false when the path is not one of them (the caller answers 404). */
export async function serveGraphiQLAsset(path: string, res: http.ServerResponse): Promise<boolean> {
  const asset = assets[path.slice(GRAPHIQL_ASSET_PATH.length)];
  if (!asset) return false;
  const body = asset.body(await loadBundle());
  // The ?v= in every link changes with the package version, so a long cache is safe.
  res.writeHead(200, { 'content-type': `${asset.type}; charset=utf-8`, 'cache-control': 'public, max-age=86400' }).end(body);
  return true;
}

/** What a newcomer sees first: one of each kind of operation, and where the key goes. */
export const EXAMPLE_DOCUMENT = `# Put your API key into the Headers tab below: {"Authorization": "Bearer <your key>"}.
# Without one, the schema and the models still load, and a PUBLIC workflow can be read.
# Pick the operation to run with the run button (or Ctrl+Enter inside one of them).

query Me {
  me { name credits }
  models { id aspectRatios }
}

mutation RenameWorkflow($id: ID!) {
  updateWorkflow(id: $id, input: { title: "Renamed from GraphiQL" }) {
    __typename
    ... on Workflow { id title version }
    ... on Error { code message }
  }
}

# Over graphql-ws: events arrive below as the workflow runs or changes.
subscription Progress($id: ID!) {
  workflowProgress(id: $id) { version processingStatus progressPercentage flow workflow { title } }
}
`;

export const EXAMPLE_VARIABLES = JSON.stringify({ id: '<a workflow id>' }, null, 2);
// An empty value is no key (anonymous): the schema still loads before a key is typed in, where a
// placeholder such as "Bearer <your key>" would be refused as a malformed key.
export const HEADERS_HINT = JSON.stringify({ Authorization: '' }, null, 2);

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside a <script>: `</script>` or `<!--` in a value must not end or bend the script. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** yoga's renderGraphiQL: the page only; everything it runs comes from GRAPHIQL_ASSET_PATH. */
export function renderGraphiQL(options: GraphiQLOptions): string {
  const asset = (name: string) => `${GRAPHIQL_ASSET_PATH}${name}?v=${version}`;
  const workers = { editorWorkerService: asset('editor.worker.js'), json: asset('json.worker.js'), graphql: asset('graphql.worker.js') };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${asset('graphiql.css')}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${scriptJson(workers)};
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
    </script>
    <script src="${asset('graphiql.js')}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(options)});
    </script>
  </body>
</html>
`;
}
