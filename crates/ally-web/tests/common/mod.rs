//! Shared by the HTTP test files: a store with two organisations (own and other), a signed-in
//! user and an API token for every role in the own organisation, and request helpers.
//! Each module's test file (`http_<module>.rs`) runs the authorisation matrix over its own rows
//! of the route table with [`outcome_ok`] deciding what each cell must answer.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::HashMap;

use ally_core::authz::{Action, Principal, Role, role_allows};
use ally_core::org::OrgKind;
use ally_core::person::PersonForm;
use ally_core::{OrgId, PersonId, UserId};
use ally_store::{MasterKey, NewUser, Policy, Store, testing};
use ally_web::route::Route;
use ally_web::{AppState, WebConfig, router};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const PASSWORD: &str = "matrix test passphrase";

pub struct Org {
    pub id: OrgId,
    pub person: PersonId,
    pub target_user: UserId,
}

pub struct Fixture {
    pub store: Store,
    pub app: Router,
    pub own: Org,
    pub other: Org,
    /// role -> (session token, csrf, api token, user id)
    pub actors: HashMap<Role, (String, String, String, UserId)>,
}

/// A principal of `org` that no stored account stands behind (authorisation needs only this).
pub fn who(org: OrgId, roles: &[Role]) -> Principal {
    Principal {
        user_id: UserId::new(),
        org_id: org,
        roles: roles.to_vec(),
    }
}

/// A coordinator of `org` (no stored account): the role the tests seed records with.
pub fn coordinator(org: OrgId) -> Principal {
    who(org, &[Role::Coordinator])
}

pub fn person_form(name: &str) -> PersonForm {
    PersonForm {
        role: "presumed_victim".into(),
        given_names: name.into(),
        family_names: "Test".into(),
        ..Default::default()
    }
}

pub async fn org(store: &Store, name: &str) -> Org {
    // Second factor off here: the matrix is about authorisation; sign-in is tested elsewhere.
    let id = store
        .create_organisation(name, OrgKind::Ngo, false)
        .await
        .unwrap();
    let creator = who(id, &[Role::Caseworker]);
    let person = store
        .access(&creator, None)
        .persons()
        .create_person(person_form("Zora").validate(2026).unwrap())
        .await
        .unwrap();
    let target_user = store
        .add_user_operator(
            id,
            NewUser {
                email: format!("target@{}.test", name.to_lowercase()),
                display_name: "Target".into(),
                roles: vec![Role::Caseworker],
                password: PASSWORD.into(),
                locale: "en".into(),
            },
        )
        .await
        .unwrap();
    Org {
        id,
        person,
        target_user,
    }
}

pub async fn fixture(db: &testing::TestDb) -> Fixture {
    let store = Store::open(&db.url, MasterKey::from_bytes([9; 32]), Policy::default())
        .await
        .unwrap();
    let own = org(&store, "Own").await;
    let other = org(&store, "Other").await;
    let mut actors = HashMap::new();
    for role in Role::ALL {
        let email = format!("{}@own.test", role.as_str());
        let id = store
            .add_user_operator(
                own.id,
                NewUser {
                    email: email.clone(),
                    display_name: role.as_str().into(),
                    roles: vec![role],
                    password: PASSWORD.into(),
                    locale: "en".into(),
                },
            )
            .await
            .unwrap();
        let step = store.sign_in(&email, PASSWORD, None).await.unwrap();
        let csrf = store
            .session(&step.token)
            .await
            .unwrap()
            .unwrap()
            .csrf_token;
        let api = store.create_api_token(id, "matrix", None).await.unwrap();
        actors.insert(role, (step.token, csrf, api, id));
    }
    let app = router(AppState::new(store.clone(), WebConfig::default()).unwrap());
    Fixture {
        store,
        app,
        own,
        other,
        actors,
    }
}

impl Fixture {
    /// Another organisation beside own and other, created once the fixture stands (second
    /// factor off, like theirs).
    pub async fn add_org(&self, name: &str, kind: OrgKind) -> OrgId {
        self.store
            .create_organisation(name, kind, false)
            .await
            .unwrap()
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

pub fn form_body(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

/// Whether a matrix cell answered as the permission table says it must: success (or a redirect
/// that is not to the sign-in page) when the role allows the action on its own organisation's
/// record, 404 on another organisation's (no grant; its existence is not revealed), 403 when the
/// role lacks the action.
pub fn outcome_ok(
    route: &Route,
    role: Role,
    own: bool,
    status: StatusCode,
    headers: &HeaderMap,
) -> bool {
    let allowed = route.action.is_none_or(|a| role_allows(role, a));
    let expected_ok = allowed && (own || route.action == Some(Action::OwnAccount));
    if expected_ok {
        status.is_success()
            || status.is_redirection()
                && headers
                    .get(header::LOCATION)
                    .is_none_or(|l| l != "/sign-in")
    } else if allowed {
        status == StatusCode::NOT_FOUND
    } else {
        status == StatusCode::FORBIDDEN
    }
}

/// A request as the actor of `role` in the own organisation: session cookie for pages, bearer
/// token for the API.
pub fn request_as(
    f: &Fixture,
    role: Role,
    route: &Route,
    path: &str,
) -> axum::http::request::Builder {
    let (session, _, api, _) = &f.actors[&role];
    let b = Request::builder().method(route.method).uri(path);
    match route.auth {
        ally_web::route::Auth::Token => b.header(header::AUTHORIZATION, format!("Bearer {api}")),
        _ => b.header(header::COOKIE, format!("ally_session={session}")),
    }
}
