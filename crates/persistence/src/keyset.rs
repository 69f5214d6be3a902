//! Keyset paging over lists ordered by name (tags, authors).

/// Applies a [`NameCursor`](broadsheet_domain::listing::NameCursor) bound and the walking
/// order to a boxed query ordered by `($sort, $id)` ascending.
macro_rules! by_name {
    ($q:expr, $sort:path, $id:path, $forward:expr, $cursor:expr) => {{
        let mut q = $q;
        if let Some(c) = $cursor {
            let (key, id) = (c.key.clone(), c.id);
            q = if $forward {
                q.filter($sort.gt(key.clone()).or($sort.eq(key).and($id.gt(id))))
            } else {
                q.filter($sort.lt(key.clone()).or($sort.eq(key).and($id.lt(id))))
            };
        }
        if $forward {
            q.order(($sort.asc(), $id.asc()))
        } else {
            q.order(($sort.desc(), $id.desc()))
        }
    }};
}
pub(crate) use by_name;
