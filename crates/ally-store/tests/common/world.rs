//! The one test world of the store's integration tests: a builder that opens a store and creates
//! named organisations (the NGO, the shelter, the union, the network…), their network
//! memberships and the people acting in them, each with its roles. Every test file declares its
//! cast with [`World::builder`] and reads it back by name with [`World::org`] and
//! [`World::user`]; records (cases, reports, consents) are made by the files' own helpers.
#![allow(clippy::unwrap_used, dead_code)]

use ally_core::authz::{Principal, Role};
use ally_core::org::OrgKind;
use ally_core::{OrgId, UserId};
use ally_store::testing::TestDb;
use ally_store::{MasterKey, NewUser, Policy, Store};

/// The passphrase of every account the world creates.
pub const PASSWORD: &str = "protection test passphrase";

/// A principal of `org` that no stored account stands behind (authorisation needs only this).
pub fn who(org: OrgId, roles: &[Role]) -> Principal {
    Principal {
        user_id: UserId::new(),
        org_id: org,
        roles: roles.to_vec(),
    }
}

/// Opens a store on the test database with the master key `[key; 32]`.
pub async fn open(db: &TestDb, key: u8, policy: Policy) -> Store {
    Store::open(&db.url, MasterKey::from_bytes([key; 32]), policy)
        .await
        .unwrap()
}

/// A built world: the store, its organisations and its people, by the names the builder gave.
pub struct World {
    pub store: Store,
    orgs: Vec<(&'static str, OrgId)>,
    users: Vec<(&'static str, Principal)>,
}

impl World {
    /// A builder for a world with the default key (`[5; 32]`), the default policy and no
    /// second factor required.
    pub fn builder() -> WorldBuilder {
        WorldBuilder {
            key: 5,
            policy: Policy::default(),
            second_factor: false,
            orgs: Vec::new(),
            members: Vec::new(),
            users: Vec::new(),
        }
    }

    /// The organisation the builder named `name`.
    pub fn org(&self, name: &str) -> OrgId {
        self.orgs
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no organisation {name:?} in this world"))
            .1
    }

    /// A stored account in `org` with `roles`, signing in as `email` with [`PASSWORD`]; for
    /// people a test adds once the world stands.
    pub async fn account(&self, org: OrgId, roles: &[Role], email: &str) -> Principal {
        let user_id = self
            .store
            .add_user_operator(
                org,
                NewUser {
                    email: email.into(),
                    display_name: email.into(),
                    roles: roles.to_vec(),
                    password: PASSWORD.into(),
                    locale: "en".into(),
                },
            )
            .await
            .unwrap();
        Principal {
            user_id,
            org_id: org,
            roles: roles.to_vec(),
        }
    }

    /// The person the builder named `name`.
    pub fn user(&self, name: &str) -> &Principal {
        &self
            .users
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no user {name:?} in this world"))
            .1
    }
}

enum Account {
    /// A principal only (no stored user).
    Principal,
    /// A stored user with this e-mail address and [`PASSWORD`].
    Stored(&'static str),
}

/// Declares a world; [`WorldBuilder::build`] creates it, organisations first (in the order
/// declared), then network memberships, then people.
pub struct WorldBuilder {
    key: u8,
    policy: Policy,
    second_factor: bool,
    orgs: Vec<(&'static str, &'static str, OrgKind)>,
    members: Vec<(&'static str, &'static str)>,
    users: Vec<(&'static str, &'static str, Vec<Role>, Account)>,
}

impl WorldBuilder {
    /// The master key is `[key; 32]`.
    pub fn key(mut self, key: u8) -> Self {
        self.key = key;
        self
    }

    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Every organisation requires a second factor at sign-in.
    pub fn second_factor(mut self, required: bool) -> Self {
        self.second_factor = required;
        self
    }

    /// An organisation called `name` in the tests and `display` in the store.
    pub fn org(mut self, name: &'static str, display: &'static str, kind: OrgKind) -> Self {
        self.orgs.push((name, display, kind));
        self
    }

    /// `member` joins the network organisation `network`.
    pub fn member(mut self, network: &'static str, member: &'static str) -> Self {
        self.members.push((network, member));
        self
    }

    /// A principal called `name` in organisation `org` with `roles` (no stored account).
    pub fn user(mut self, name: &'static str, org: &'static str, roles: &[Role]) -> Self {
        self.users
            .push((name, org, roles.to_vec(), Account::Principal));
        self
    }

    /// A stored account called `name` in organisation `org` with `roles`, signing in as `email`.
    pub fn account(
        mut self,
        name: &'static str,
        org: &'static str,
        roles: &[Role],
        email: &'static str,
    ) -> Self {
        self.users
            .push((name, org, roles.to_vec(), Account::Stored(email)));
        self
    }

    pub async fn build(self, db: &TestDb) -> World {
        let store = open(db, self.key, self.policy).await;
        let mut world = World {
            store,
            orgs: Vec::new(),
            users: Vec::new(),
        };
        for (name, display, kind) in self.orgs {
            let id = world
                .store
                .create_organisation(display, kind, self.second_factor)
                .await
                .unwrap();
            world.orgs.push((name, id));
        }
        for (network, member) in self.members {
            world
                .store
                .add_network_member(world.org(network), world.org(member))
                .await
                .unwrap();
        }
        for (name, org, roles, account) in self.users {
            let org_id = world.org(org);
            let principal = match account {
                Account::Principal => who(org_id, &roles),
                Account::Stored(email) => world.account(org_id, &roles, email).await,
            };
            world.users.push((name, principal));
        }
        world
    }
}
