// A page on another origin lists the posts with Ghost's official client (its browser bundle),
// as a Ghost theme or a static site would. The API's address and content key come in the
// page's query string. Sets data-state on <body> to `done` or `failed: <why>`.
const params = new URLSearchParams(window.location.search);
const api = new GhostContentAPI({ url: params.get('api'), key: params.get('key'), version: 'v5.0' });

api.posts
  .browse({ limit: 'all', fields: 'title,slug' })
  .then((posts) => {
    const list = document.getElementById('posts');
    for (const post of posts) {
      const item = document.createElement('li');
      item.textContent = post.title;
      item.dataset.slug = post.slug;
      list.append(item);
    }
    document.body.dataset.state = 'done';
  })
  .catch((error) => {
    document.body.dataset.state = `failed: ${error.name}: ${error.message}`;
  });
