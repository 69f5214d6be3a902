// A page on another origin runs GraphQL with fetch, sending the headers the supported
// clients send: Apollo Client's (client awareness), Relay's and urql's (content type and
// accept), and an automatic persisted query by GET (hash first, then hash and query), with
// Apollo's CSRF-prevention headers. Writes what it got as JSON in #result and sets
// data-state on <body> to `done` or `failed: <why>`.
const api = new URLSearchParams(window.location.search).get('api');
const endpoint = `${api}/graphql`;
const query = 'query Headline($slug: String!) { article(slug: $slug) { title } }';
const variables = {
  slug: 'weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief',
};

async function post(headers) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ operationName: 'Headline', query, variables }),
  });
  return (await res.json()).data.article.title;
}

async function sha256(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function persisted(hash, withQuery) {
  const url = new URL(endpoint);
  url.searchParams.set('operationName', 'Headline');
  url.searchParams.set('variables', JSON.stringify(variables));
  url.searchParams.set('extensions', JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }));
  if (withQuery) {
    url.searchParams.set('query', query);
  }
  const res = await fetch(url, {
    headers: {
      // Apollo Client sends a content type on GET too.
      'content-type': 'application/json',
      accept: 'application/graphql-response+json,application/json;q=0.9',
      'x-apollo-operation-name': 'Headline',
      'apollo-require-preflight': 'true',
    },
  });
  return { res, body: await res.json() };
}

async function run() {
  const result = {};
  result.apollo = await post({
    accept: 'application/graphql-response+json,application/json;q=0.9',
    'apollographql-client-name': 'broadsheet-browser-test',
    'apollographql-client-version': '1.0.0',
  });
  result.relay = await post({
    accept: 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed',
  });
  const hash = await sha256(query);
  const miss = await persisted(hash, false);
  result.persistedMiss = miss.body.errors?.[0]?.message;
  result.persisted = (await persisted(hash, true)).body.data.article.title;
  const again = await persisted(hash, false);
  result.persistedAgain = again.body.data.article.title;
  // Headers a client reads: exposed to the page by Access-Control-Expose-Headers.
  result.etag = again.res.headers.get('etag');
  result.requestId = again.res.headers.get('x-request-id');
  return result;
}

run()
  .then((result) => {
    document.getElementById('result').textContent = JSON.stringify(result, null, 2);
    document.body.dataset.state = 'done';
  })
  .catch((error) => {
    document.body.dataset.state = `failed: ${error.name}: ${error.message}`;
  });
