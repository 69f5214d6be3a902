// Headless Chromium for the browser tests (tests/api/browser.rs): Debian's /usr/bin/chromium
// driven by playwright-core, which downloads no browser of its own.
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

/** The browser binary: BROADSHEET_TEST_CHROMIUM, else Debian's. */
export const CHROMIUM = process.env.BROADSHEET_TEST_CHROMIUM || '/usr/bin/chromium';

// A test fails rather than hangs.
export function deadline(seconds) {
  setTimeout(() => {
    console.error(`timed out after ${seconds} s`);
    process.exit(1);
  }, seconds * 1000).unref();
}

/**
 * Starts Chromium with no way out but to this machine's loopback: every other address goes
 * through a proxy that drops each connection (Chromium reaches loopback addresses directly).
 * Playwright adds --headless and a fresh --user-data-dir itself, and --no-sandbox with
 * `chromiumSandbox: false`; the other flags keep a machine without internet from flooding
 * refused connections (QUIC, background updates, sync). Returns the browser and `close()`.
 */
export async function launch() {
  const blackHole = createTcpServer((socket) => socket.destroy());
  await new Promise((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      // Given here, not as Playwright's `proxy` option, which sends loopback through it too.
      `--proxy-server=http://127.0.0.1:${blackHole.address().port}`,
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const close = async () => {
    await browser.close();
    await new Promise((resolve) => blackHole.close(resolve));
  };
  return { browser, close };
}

/**
 * A browser context that records every request to an origin not in `origins` (they fail at
 * the proxy: see `launch`), and the Content-Security-Policy violations, console errors and
 * uncaught errors of its pages. Requests are watched, not intercepted: Playwright answers
 * intercepted CORS preflights itself, which would hide the server's answer.
 */
export async function guardedContext(browser, origins) {
  const context = await browser.newContext();
  const record = { offOrigin: [], console: [], pageErrors: [] };
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (/^(https?|wss?):$/.test(url.protocol) && !origins.includes(url.origin)) {
      record.offOrigin.push(request.url());
    }
  });
  // Injected by the DevTools protocol, so the page's own CSP does not stop it.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'}`);
    });
  });
  context.on('console', (msg) => {
    // The browser asks for /favicon.ico by itself; no page here has one.
    if (new URL(msg.location().url || 'about:blank').pathname === '/favicon.ico') {
      return;
    }
    if (msg.type() === 'error' || /Content.Security.Policy/i.test(msg.text())) {
      record.console.push(`${msg.type()}: ${msg.text()}`);
    }
  });
  context.on('weberror', (e) => record.pageErrors.push(String(e.error())));
  return { context, record };
}

/** The CSP violations a page reported. */
export function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations || []);
}

/**
 * A static file server on another port of 127.0.0.1, so another origin than the API's:
 * `files` maps a path to [file, content type]. Anything else is 404.
 */
export async function staticServer(files) {
  const server = createServer(async (req, res) => {
    const entry = files[new URL(req.url, 'http://x').pathname];
    if (!entry) {
      res.writeHead(404).end('not found');
      return;
    }
    const [file, type] = entry;
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(await readFile(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { origin, close };
}

/** Waits until the page sets `data-state` on <body> to `done` or `failed: …`; returns it. */
export async function finished(page, seconds = 30) {
  await page.waitForFunction(() => document.body.dataset.state, null, { timeout: seconds * 1000 });
  return page.evaluate(() => document.body.dataset.state);
}
