//! `schema.graphql` at the repository root is the running schema's SDL.

use std::path::Path;

#[test]
fn schema_graphql_matches_the_running_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema.graphql");
    let current = broadsheet_api::graphql::sdl();
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    if on_disk == current {
        return;
    }
    if std::env::var_os("BROADSHEET_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, current).expect("write schema.graphql");
        return;
    }
    panic!(
        "schema.graphql differs from the running schema. Regenerate it with\n\n    \
         cargo run -- schema > schema.graphql\n\n(or BROADSHEET_UPDATE_SCHEMA=1 cargo test -p broadsheet-api --test schema) \
         and commit the change."
    );
}
