//! The demo world of `bellhop-server --demo` (README, "Demo accounts"): the data is
//! `demo.toml` (Acme and Globex, a technician, three customer contacts, tickets in every status
//! with conversations, the desk's fields, articles) and `demo_catalog.toml` (the service
//! catalog); this writes it into an empty database.

use std::collections::HashMap;

use bellhop_proto::{
    Catalog, CatalogCategory, CommentId, CommentVisibility, Priority, Role, SignUpRule,
    TicketFields, TicketStatus,
};
use serde::Deserialize;

use crate::db::{Caller, NewUser, SeedTicket, Store, now_ms};
use crate::error::Result;
use crate::passwords::hash_password;
use crate::tokens::token_hash;

pub const DEMO_PASSWORD: &str = "bellhop-demo";

/// The demo world, as `demo.toml` writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct World {
    orgs: Vec<DemoOrg>,
    people: Vec<Person>,
    tickets: Vec<DemoTicket>,
    conversation: Vec<Line>,
    articles: Vec<DemoArticle>,
    fields: TicketFields,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoOrg {
    name: String,
    domains: Vec<String>,
    enrolment_key: String,
    activate_at_once: bool,
    /// Who may sign up into it from the portal (nobody when not said).
    #[serde(default)]
    sign_up: SignUpRule,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Person {
    name: String,
    email: String,
    role: Role,
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoTicket {
    requester: String,
    title: String,
    description: String,
    status: TicketStatus,
    priority: Priority,
    #[serde(rename = "type")]
    ticket_type: String,
    #[serde(default)]
    cc: Vec<String>,
}

/// Who writes a line of the conversation.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Author {
    Desk,
    Requester,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    author: Author,
    visibility: CommentVisibility,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoArticle {
    title: String,
    category: String,
    body: String,
}

/// The first demo ticket is this long ago; each next one 20 hours later, its replies a quarter
/// of an hour apart.
const FIRST_TICKET_AGO_MS: i64 = 14 * 24 * 3600 * 1000;
const BETWEEN_TICKETS_MS: i64 = 20 * 3600 * 1000;
const BETWEEN_REPLIES_MS: i64 = 15 * 60 * 1000;

/// The demo catalog, as `demo_catalog.toml` writes it: items limited to organisations by name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoCatalog {
    #[serde(default)]
    only_for: HashMap<String, Vec<String>>,
    categories: Vec<CatalogCategory>,
}

fn demo_catalog() -> Result<DemoCatalog> {
    toml::from_str(include_str!("demo_catalog.toml"))
        .map_err(|e| anyhow::anyhow!("demo_catalog.toml: {e}").into())
}

/// The demo catalog with its organisations' ids, checked against the demo's fields.
fn catalog(fields: &TicketFields, orgs: &HashMap<&str, bellhop_proto::OrgId>) -> Result<Catalog> {
    let demo = demo_catalog()?;
    let mut catalog = Catalog {
        categories: demo.categories,
    };
    for category in &mut catalog.categories {
        for item in &mut category.items {
            for name in demo.only_for.get(&item.key).into_iter().flatten() {
                let org = orgs
                    .get(name.as_str())
                    .ok_or_else(|| anyhow::anyhow!("demo_catalog.toml: no organisation {name}"))?;
                item.orgs.push(*org);
            }
        }
    }
    catalog
        .check(fields)
        .map_err(|e| anyhow::anyhow!("demo_catalog.toml: {e}"))?;
    Ok(catalog)
}

fn world() -> Result<World> {
    toml::from_str(include_str!("demo.toml")).map_err(|e| anyhow::anyhow!("demo.toml: {e}").into())
}

/// Seeds the demo world when the database has no users. Returns whether it seeded.
pub async fn seed_if_empty(store: &Store) -> Result<bool> {
    if store.count_users().await? > 0 {
        return Ok(false);
    }
    let world = world()?;
    let mut orgs = HashMap::new();
    for org in &world.orgs {
        let domains: Vec<&str> = org.domains.iter().map(String::as_str).collect();
        let key = token_hash(&org.enrolment_key);
        let id = store
            .insert_org(
                &org.name,
                &domains,
                Some(&key),
                org.activate_at_once,
                org.sign_up,
            )
            .await?;
        orgs.insert(org.name.as_str(), id);
    }
    let mut people = HashMap::new();
    for person in &world.people {
        let org_id = match &person.org {
            Some(name) => Some(
                *orgs
                    .get(name.as_str())
                    .ok_or_else(|| anyhow::anyhow!("demo.toml: no organisation {name}"))?,
            ),
            None => None,
        };
        let user_id = store
            .insert_user(NewUser {
                name: &person.name,
                email: &person.email,
                role: person.role,
                org_id,
                phone: person.phone.as_deref(),
                password_hash: Some(hash_password(DEMO_PASSWORD)?),
                language: bellhop_proto::Language::En,
                portal_access: true,
            })
            .await?;
        let caller = Caller {
            user_id,
            name: person.name.clone(),
            role: person.role,
            org_id,
            device_id: None,
            signed_in_at: 0,
            viewer: None,
        };
        people.insert(person.email.as_str(), caller);
    }
    let find = |email: &str| {
        people
            .get(email)
            .ok_or_else(|| anyhow::anyhow!("demo.toml: no person {email}"))
    };
    let desk = world
        .people
        .iter()
        .find(|p| p.role.is_staff())
        .ok_or_else(|| anyhow::anyhow!("demo.toml: nobody at the desk"))
        .and_then(|p| find(&p.email))?;
    store.save_ticket_fields(desk, &world.fields).await?;
    store
        .save_catalog(desk, &catalog(&world.fields, &orgs)?)
        .await?;
    let start = now_ms() - FIRST_TICKET_AGO_MS;
    for (i, ticket) in world.tickets.iter().enumerate() {
        let at = start + i as i64 * BETWEEN_TICKETS_MS;
        let requester = find(&ticket.requester)?;
        let id = store
            .seed_ticket(
                requester,
                SeedTicket {
                    title: &ticket.title,
                    description: &ticket.description,
                    status: ticket.status,
                    priority: ticket.priority,
                    ticket_type: Some(&ticket.ticket_type),
                    at_ms: at,
                },
            )
            .await?;
        for email in &ticket.cc {
            store.add_cc(id, find(email)?.user_id).await?;
        }
        for (n, line) in world.conversation.iter().enumerate() {
            let author = match line.author {
                Author::Desk => desk,
                Author::Requester => requester,
            };
            let when = at + (n as i64 + 1) * BETWEEN_REPLIES_MS;
            store
                .insert_comment(
                    author,
                    id,
                    CommentId::new(),
                    line.visibility,
                    &line.body,
                    when,
                )
                .await?;
        }
    }
    for article in &world.articles {
        store
            .insert_article(&article.title, &article.category, &article.body)
            .await?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_world_reads_and_holds_together() -> Result<()> {
        let world = world()?;
        let emails: Vec<&str> = world.people.iter().map(|p| p.email.as_str()).collect();
        for ticket in &world.tickets {
            assert!(
                emails.contains(&ticket.requester.as_str()),
                "{}",
                ticket.title
            );
            assert!(
                world
                    .fields
                    .types
                    .iter()
                    .any(|t| t.key == ticket.ticket_type)
            );
            assert!(ticket.cc.iter().all(|c| emails.contains(&c.as_str())));
        }
        for person in &world.people {
            assert!(
                person
                    .org
                    .as_ref()
                    .is_none_or(|o| world.orgs.iter().any(|w| &w.name == o))
            );
        }
        // Every status, for the screenshots and the tests that read the demo world.
        for status in TicketStatus::ALL {
            assert!(
                world.tickets.iter().any(|t| t.status == status),
                "{status:?}"
            );
        }
        let mut fields = world.fields.clone();
        fields.check_definitions()?;
        Ok(())
    }

    #[test]
    fn the_demo_catalog_is_a_dozen_items_in_three_categories_in_six_languages() -> Result<()> {
        use bellhop_proto::{Language, Localized};
        let world = world()?;
        let orgs: HashMap<&str, bellhop_proto::OrgId> = world
            .orgs
            .iter()
            .map(|o| (o.name.as_str(), bellhop_proto::OrgId::new()))
            .collect();
        let catalog = catalog(&world.fields, &orgs)?;
        assert_eq!(catalog.categories.len(), 3);
        assert_eq!(catalog.items().count(), 12);
        assert!(catalog.items().any(|i| i.needs_approval));
        assert!(catalog.items().any(|i| !i.orgs.is_empty()));
        let translated = |what: &str, l: &Localized| {
            for language in Language::ALL {
                assert!(
                    language == Language::En || l.translations.contains_key(&language),
                    "{what} has no {language:?}"
                );
            }
        };
        for category in &catalog.categories {
            translated(&category.key, &category.name);
            for item in &category.items {
                translated(&item.key, &item.name);
                translated(&item.key, &item.description);
                for help in item.form.iter().filter_map(|f| f.help.as_ref()) {
                    translated(&item.key, help);
                }
            }
        }
        Ok(())
    }
}
