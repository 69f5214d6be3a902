// GraphiQL in headless Chromium with no network beyond the server: the page loads from the
// server alone, keeps its example query, runs it, and shows the sample article's title; its
// dialogs open; and nothing breaks its Content-Security-Policy.
// Usage: node browser/graphiql.test.mjs <server url> <expected title> [screenshot.png]
import assert from 'node:assert/strict';
import { cspViolations, deadline, guardedContext, launch } from './chromium.mjs';

deadline(90);
const [server, title, screenshot] = process.argv.slice(2);
const origin = new URL(server).origin;

const { browser, close } = await launch();
try {
  const { context, record } = await guardedContext(browser, [origin]);
  const page = await context.newPage();
  const response = await page.goto(`${server}/graphql`, { waitUntil: 'load' });
  assert.equal(response.status(), 200);

  const loaded = await page
    .waitForSelector('.graphiql-container .graphiql-execute-button', { timeout: 30_000 })
    .then(() => true, () => false);
  // What went wrong, when something did: the page's text and everything recorded.
  const report = (text) => JSON.stringify({ ...record, page: text.slice(0, 400) }, null, 2);
  const body = await page.textContent('body');
  assert.ok(loaded, `GraphiQL did not start: ${report(body)}`);
  assert.deepEqual(record.offOrigin, [], `requests to other origins: ${report(body)}`);

  // The example query (the sample article page) and its variables are loaded.
  const editors = await page.textContent('.graphiql-editors');
  assert.match(editors, /query ArticlePage\(\$slug: String!\)/, 'the example query');
  assert.match(editors, /weve-still-no-idea-about-needs/, 'the example variables');

  await page.click('.graphiql-execute-button');
  const shown = await page
    .waitForFunction(
      (t) => document.querySelector('.graphiql-response')?.textContent.includes(t),
      title,
      { timeout: 30_000 },
    )
    .then(() => true, () => false);
  const result = (await page.textContent('.graphiql-response')) || '';
  assert.ok(shown, `the result does not show the article's title: ${report(result)}`);
  if (screenshot) {
    await page.screenshot({ path: screenshot });
  }

  // The dialogs add a stylesheet of their own, which the policy allows by its hash.
  for (const dialog of ['Open settings dialog', 'Open short keys dialog']) {
    await page.click(`.graphiql-sidebar [aria-label="${dialog}"]`);
    await page.waitForSelector('.graphiql-dialog', { timeout: 10_000 });
    await page.keyboard.press('Escape');
    await page.waitForSelector('.graphiql-dialog', { state: 'detached', timeout: 10_000 });
  }

  assert.deepEqual(record.offOrigin, [], `requests to other origins: ${report(result)}`);
  assert.deepEqual(await cspViolations(page), [], 'Content-Security-Policy violations');
  assert.deepEqual(record.console, [], 'console errors');
  assert.deepEqual(record.pageErrors, [], 'uncaught errors');
  console.log('ok: GraphiQL runs the example query with no network beyond the server');
} finally {
  await close();
}
