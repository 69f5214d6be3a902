// CORS for GraphQL clients: a page on another origin runs GraphQL with fetch (POST as Apollo,
// Relay and urql send it; an automatic persisted query by GET) and shows the results.
// Usage: node browser/graphql-cors.test.mjs <server url> <expected title>
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { deadline, finished, guardedContext, launch, staticServer } from './chromium.mjs';

deadline(60);
const [server, title] = process.argv.slice(2);
const file = (path) => fileURLToPath(new URL(path, import.meta.url));

const site = await staticServer({
  '/graphql.html': [file('pages/graphql.html'), 'text/html; charset=utf-8'],
  '/graphql.js': [file('pages/graphql.js'), 'text/javascript; charset=utf-8'],
});
const { browser, close } = await launch();
try {
  const api = new URL(server).origin;
  assert.notEqual(site.origin, api, 'the page is on another origin');
  const { context, record } = await guardedContext(browser, [site.origin, api]);
  const page = await context.newPage();
  await page.goto(`${site.origin}/graphql.html?${new URLSearchParams({ api: server })}`);
  const state = await finished(page);
  assert.equal(state, 'done', JSON.stringify(record, null, 2));
  const result = JSON.parse(await page.textContent('#result'));
  assert.equal(result.apollo, title, 'POST with Apollo Client headers');
  assert.equal(result.relay, title, 'POST with Relay and urql headers');
  assert.equal(result.persistedMiss, 'PersistedQueryNotFound', 'an unknown hash asks for the query');
  assert.equal(result.persisted, title, 'GET with the query and its hash');
  assert.equal(result.persistedAgain, title, 'GET with the hash alone');
  assert.match(result.etag ?? '', /^(W\/)?"/, 'ETag readable by the page');
  assert.match(result.requestId ?? '', /^[0-9a-f-]{36}$/, 'X-Request-Id readable by the page');
  assert.deepEqual(record.offOrigin, [], 'requests to other origins');
  assert.deepEqual(record.pageErrors, [], 'uncaught errors');
  console.log('ok: GraphQL with fetch works from another origin');
} finally {
  await close();
  await site.close();
}
