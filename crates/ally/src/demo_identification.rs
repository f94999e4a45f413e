//! Demo data of the identification module (issue 3). Every name and detail is invented.

use ally_store::Store;

use crate::demo::DemoOrgs;

/// Adds the module's demo records (called once, by `demo::seed`, after the persons).
pub async fn seed(_store: &Store, _orgs: &DemoOrgs) -> anyhow::Result<()> {
    Ok(())
}
