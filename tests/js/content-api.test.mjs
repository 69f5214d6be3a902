// Ghost's official Content API client against a Broadsheet server holding the sample
// publication. Usage: node content-api.test.mjs <site url> <content key>
// Exits non-zero, saying why, on the first difference.
import assert from 'node:assert/strict';
import GhostContentAPI from '@tryghost/content-api';

const [url, key] = process.argv.slice(2);
const api = new GhostContentAPI({ url, key, version: 'v5.0' });

// Browse posts with include, filter, limit and page.
const page1 = await api.posts.browse({ limit: 3, page: 1, include: 'tags,authors', filter: 'tag:birmingham' });
assert.equal(page1.length, 3);
assert.equal(page1.meta.pagination.total, 8);
assert.equal(page1.meta.pagination.pages, 3);
assert.equal(page1.meta.pagination.next, 2);
assert.equal(page1.meta.pagination.prev, null);
for (const post of page1) {
  assert.ok(post.tags.some((t) => t.slug === 'birmingham'), `${post.slug} is tagged birmingham`);
  assert.ok(post.primary_author && post.primary_author.name, 'primary_author included');
  assert.ok(post.primary_tag && post.primary_tag.slug, 'primary_tag included');
  assert.ok(post.html.length > 0, 'html by default');
  assert.match(post.published_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
}
const page3 = await api.posts.browse({ limit: 3, page: 3, filter: 'tag:birmingham' });
assert.equal(page3.length, 2);
assert.equal(page3.meta.pagination.prev, 2);
const dates = page1.map((p) => p.published_at);
assert.deepEqual([...dates].sort().reverse(), dates, 'newest first');

const filtered = await api.posts.browse({ filter: 'tag:[brexit,housing]+published_at:<\'2014-06-01\'', fields: 'slug,title' });
assert.deepEqual(filtered.map((p) => p.slug).sort(), ['brexit-corbyn-might-as-well-measure-up-the-curtains', 'new-homes-target', 'was-hra-cap-scrapping-really-the-biggest-thing-since-thatcher']);
assert.deepEqual(Object.keys(filtered[0]).sort(), ['id', 'slug', 'title'], 'fields, and id always');

const bySlugList = await api.posts.browse({ filter: 'slug:[new-homes-target,brexit-where-now-for-devolution]' });
assert.deepEqual(bySlugList.map((p) => p.slug), ['new-homes-target', 'brexit-where-now-for-devolution'], 'the list order');

const all = await api.posts.browse({ limit: 'all' });
assert.equal(all.length, 26);

// Read by slug, with both formats; and by id.
const slug = 'weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief';
const post = await api.posts.read({ slug }, { formats: ['html', 'plaintext'], include: 'authors' });
assert.ok(!Array.isArray(post), 'a single post');
assert.equal(post.slug, slug);
assert.match(post.html, /<blockquote>/);
assert.match(post.plaintext, /Birmingham City Council still has/);
assert.equal(post.authors[0].slug, 'tom-ashby');
const byId = await api.posts.read({ id: post.id });
assert.equal(byId.slug, slug);

// Tags with count.posts; internal tags are not served.
const tags = await api.tags.browse({ include: 'count.posts', limit: 'all' });
assert.ok(!tags.some((t) => t.name.startsWith('#')), 'no internal tags');
const birmingham = tags.find((t) => t.slug === 'birmingham');
assert.deepEqual(birmingham.count, { posts: 8 });
const tag = await api.tags.read({ slug: 'ofsted' }, { include: 'count.posts' });
assert.equal(tag.name, 'Ofsted');
assert.ok(tag.count.posts >= 1);

// Authors.
const authors = await api.authors.browse({ include: 'count.posts' });
assert.deepEqual(authors.map((a) => a.slug), ['david-okafor', 'helen-marsh', 'priya-sandhu', 'tom-ashby']);
const tom = await api.authors.read({ slug: 'tom-ashby' });
assert.equal(tom.name, 'Tom Ashby');

// Settings.
const settings = await api.settings.browse();
assert.equal(settings.title, 'The Chamberlain Files');
assert.equal(settings.lang, 'en-GB');

// A bad key, and an unknown post.
const stranger = new GhostContentAPI({ url, key: '0123456789abcdef0123456789', version: 'v5.0' });
await assert.rejects(stranger.posts.browse(), (e) => e.name === 'NoPermissionError' && e.response.status === 403);
await assert.rejects(api.posts.read({ slug: 'no-such-post' }), (e) => e.name === 'NotFoundError' && e.response.status === 404);
await assert.rejects(api.posts.browse({ filter: 'tag:' }), (e) => e.name === 'BadRequestError' && e.response.status === 400);

console.log('ok: @tryghost/content-api works against Broadsheet');
