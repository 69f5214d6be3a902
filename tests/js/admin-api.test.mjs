// Ghost's official Admin API client signs tokens with a Broadsheet integration key; the
// tokens it makes are sent, unchanged, to Broadsheet's GraphQL endpoint.
// Usage: node admin-api.test.mjs <site url> <integration key>
// Exits non-zero, saying why, on the first difference.
import assert from 'node:assert/strict';
import GhostAdminAPI from '@tryghost/admin-api';

const [url, key] = process.argv.slice(2);

// The client builds the request (and its `Authorization: Ghost <token>` header); instead of
// Ghost's REST endpoint, it goes to GraphQL.
function client(version, key) {
  return new GhostAdminAPI({
    url,
    key,
    version,
    async makeRequest({ method, data, headers }) {
      assert.equal(method, 'POST');
      assert.match(headers.Authorization, /^Ghost [\w-]+\.[\w-]+\.[\w-]+$/);
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: headers.Authorization,
        },
        body: JSON.stringify({
          query: 'mutation($name: String!) { createTag(input: { name: $name }) { tag { name slug } } }',
          variables: { name: data.tags[0].name },
        }),
      });
      const body = await res.json();
      if (res.status !== 200 || body.errors) {
        const error = new Error(`${res.status}: ${JSON.stringify(body)}`);
        error.status = res.status;
        throw error;
      }
      return { tags: [body.data.createTag.tag] };
    },
  });
}

// Current clients (audience /admin/) and older ones (/v4/admin/, /canary/admin/).
for (const version of ['v5.0', 'v4', 'canary']) {
  const tag = await client(version, key).tags.add({ name: `Wire ${version}` });
  assert.equal(tag.name, `Wire ${version}`);
  assert.equal(tag.slug, `wire-${version.replace('.', '-')}`);
}

// The same client with a key whose secret is wrong is refused.
const [id] = key.split(':');
const forged = `${id}:${'ab'.repeat(32)}`;
await assert.rejects(client('v5.0', forged).tags.add({ name: 'Forged' }), (e) => e.status === 401);

console.log('ok: @tryghost/admin-api tokens act as the integration');
