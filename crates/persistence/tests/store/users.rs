use broadsheet_domain::Slug;
use broadsheet_domain::author::{Email, NewUser, Password, Profile, ProfileInput, Role, UserInput};
use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{StoreError, backend_tests, users};

backend_tests!(
    create_read_update_delete,
    slug_is_derived_and_suffixed,
    duplicate_email_or_slug_is_a_conflict,
    user_with_bylines_cannot_be_deleted,
    authors_are_listed_by_name,
);

fn create_read_update_delete(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let input = UserInput {
        profile: ProfileInput {
            name: "Peter Hay".into(),
            bio: Some("Writes on local government.".into()),
            twitter: Some("https://twitter.com/peterhay".into()),
            website: Some("https://example.com/peter".into()),
            ..ProfileInput::default()
        },
        email: "Peter@Example.com".into(),
        role: Role::Editor,
        password: Some("a long enough password".into()),
    };
    let user =
        users::create(&mut c, &NewUser::parse(&input).expect("valid"), now()).expect("created");
    assert_eq!(user.author.slug.as_str(), "peter-hay");
    assert_eq!(user.email.as_str(), "peter@example.com");
    assert_eq!(user.role, Role::Editor);
    assert!(user.active);
    assert_eq!(user.author.profile.twitter.as_deref(), Some("@peterhay"));
    assert!(
        user.password_hash
            .as_ref()
            .is_some_and(|h| h.verify("a long enough password"))
    );

    assert_eq!(
        users::get(&mut c, user.id()).expect("read").as_ref(),
        Some(&user)
    );
    let email = Email::parse("PETER@example.com").expect("valid");
    assert_eq!(
        users::by_email(&mut c, &email)
            .expect("read")
            .map(|u| u.id()),
        Some(user.id())
    );
    let slug = Slug::parse("peter-hay").expect("valid");
    let author = users::author_by_slug(&mut c, &slug)
        .expect("read")
        .expect("found");
    assert_eq!(author, user.author);

    let (profile, _) = Profile::parse(&ProfileInput {
        name: "Peter J. Hay".into(),
        location: Some("Birmingham".into()),
        ..ProfileInput::default()
    })
    .expect("valid");
    let new_slug = Slug::parse("pjhay").expect("valid");
    let updated = users::update_profile(&mut c, user.id(), &profile, Some(&new_slug), now())
        .expect("updated");
    assert_eq!(updated.author.profile.name, "Peter J. Hay");
    assert_eq!(
        updated.author.profile.bio, None,
        "a profile update replaces every field"
    );
    assert_eq!(updated.author.slug, new_slug);
    let kept = users::update_profile(&mut c, user.id(), &profile, None, now()).expect("updated");
    assert_eq!(kept.author.slug, new_slug, "no slug given keeps the slug");

    let admin = users::set_role(&mut c, user.id(), Role::Administrator, now()).expect("role");
    assert_eq!(admin.role, Role::Administrator);
    let hash = Password::parse("another good password")
        .expect("valid")
        .hash();
    let rehashed = users::set_password(&mut c, user.id(), Some(&hash), now()).expect("password");
    assert!(
        rehashed
            .password_hash
            .is_some_and(|h| h.verify("another good password"))
    );
    let inactive = users::set_active(&mut c, user.id(), false, now()).expect("deactivated");
    assert!(!inactive.active);

    users::delete(&mut c, user.id()).expect("deleted");
    assert_eq!(users::get(&mut c, user.id()).expect("read"), None);
    assert!(matches!(
        users::delete(&mut c, user.id()),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        users::set_role(&mut c, AuthorId(999_999), Role::Author, now()),
        Err(StoreError::NotFound { .. })
    ));
}

fn slug_is_derived_and_suffixed(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let a = UserBuilder::new("Anita Ward").create(&mut c);
    let b = UserBuilder::new("Anita Ward")
        .email("anita2@example.com")
        .create(&mut c);
    assert_eq!(a.author.slug.as_str(), "anita-ward");
    assert_eq!(b.author.slug.as_str(), "anita-ward-2");
}

fn duplicate_email_or_slug_is_a_conflict(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    UserBuilder::new("Mark Rogers").create(&mut c);
    let same_email = NewUser::parse(&UserInput {
        profile: ProfileInput {
            name: "Someone Else".into(),
            ..ProfileInput::default()
        },
        email: "markrogers@example.com".into(),
        role: Role::Author,
        password: None,
    })
    .expect("valid");
    match users::create(&mut c, &same_email, now()) {
        Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "email"),
        other => panic!("expected an email conflict, got {other:?}"),
    }
    let same_slug = NewUser::parse(&UserInput {
        profile: ProfileInput {
            name: "Mark".into(),
            slug: Some("mark-rogers".into()),
            ..ProfileInput::default()
        },
        email: "other@example.com".into(),
        role: Role::Author,
        password: None,
    })
    .expect("valid");
    match users::create(&mut c, &same_slug, now()) {
        Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "slug"),
        other => panic!("expected a slug conflict, got {other:?}"),
    }
    assert_eq!(
        users::count(&mut c).expect("count"),
        1,
        "nothing half-written"
    );
}

fn user_with_bylines_cannot_be_deleted(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let user = UserBuilder::new("Brigid Jones").create(&mut c);
    ArticleBuilder::new("Cabinet meets", user.id()).create(&mut c);
    match users::delete(&mut c, user.id()) {
        Err(StoreError::Conflict { message, .. }) => assert!(message.contains("deactivate")),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(users::get(&mut c, user.id()).expect("read").is_some());
}

fn authors_are_listed_by_name(db: &TestDb) {
    use broadsheet_domain::listing::{NameCursor, PageRequest};
    let mut c = db.store.conn().expect("connection");
    for name in ["Zoe Adams", "albert Bore", "Émile Zola", "Brigid Jones"] {
        UserBuilder::new(name).create(&mut c);
    }
    let names = |p: &broadsheet_domain::listing::Page<broadsheet_domain::author::Author>| {
        p.items
            .iter()
            .map(|a| a.profile.name.clone())
            .collect::<Vec<_>>()
    };
    let first = users::list_authors(&mut c, &PageRequest::first(3)).expect("list");
    assert_eq!(names(&first), ["albert Bore", "Brigid Jones", "Émile Zola"]);
    assert!(first.has_next_page);
    let last = first.items.last().expect("three");
    let after = NameCursor::of(&last.profile.name, last.id.0);
    let second = users::list_authors(
        &mut c,
        &PageRequest::Forward {
            first: 3,
            after: Some(after.clone()),
        },
    )
    .expect("list");
    assert_eq!(names(&second), ["Zoe Adams"]);
    assert!(!second.has_next_page && second.has_previous_page);
    let back = users::list_authors(
        &mut c,
        &PageRequest::Backward {
            last: 2,
            before: Some(after),
        },
    )
    .expect("list");
    assert_eq!(names(&back), ["albert Bore", "Brigid Jones"]);
    assert!(back.has_next_page && !back.has_previous_page);
}
