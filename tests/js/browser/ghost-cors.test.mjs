// CORS for Ghost's official client: a page on another origin (a static server on another
// port) loads @tryghost/content-api's browser bundle and lists the posts from Broadsheet.
// Usage: node browser/ghost-cors.test.mjs <server url> <content key> <expected title>
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { deadline, finished, guardedContext, launch, staticServer } from './chromium.mjs';

deadline(60);
const [server, key, title] = process.argv.slice(2);
const file = (path) => fileURLToPath(new URL(path, import.meta.url));

const site = await staticServer({
  '/ghost.html': [file('pages/ghost.html'), 'text/html; charset=utf-8'],
  '/ghost.js': [file('pages/ghost.js'), 'text/javascript; charset=utf-8'],
  '/content-api.min.js': [
    file('../node_modules/@tryghost/content-api/umd/content-api.min.js'),
    'text/javascript; charset=utf-8',
  ],
});
const { browser, close } = await launch();
try {
  const api = new URL(server).origin;
  assert.notEqual(site.origin, api, 'the page is on another origin');
  const { context, record } = await guardedContext(browser, [site.origin, api]);
  const page = await context.newPage();
  await page.goto(`${site.origin}/ghost.html?${new URLSearchParams({ api: server, key })}`);
  const state = await finished(page);
  assert.equal(state, 'done', JSON.stringify(record, null, 2));
  const titles = await page.$$eval('#posts li', (items) => items.map((li) => li.textContent));
  assert.equal(titles.length, 26, 'every post of the sample publication');
  assert.ok(titles.includes(title), `the list shows "${title}"`);
  assert.deepEqual(record.offOrigin, [], 'requests to other origins');
  assert.deepEqual(record.pageErrors, [], 'uncaught errors');
  console.log(`ok: Ghost's client lists ${titles.length} posts from another origin`);
} finally {
  await close();
  await site.close();
}
