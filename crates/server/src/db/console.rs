//! What the console reads about people, organisations and devices: lists and the help-desk
//! search, one box over users, organisations and devices.

use std::collections::HashMap;

use bellhop_proto::{Org, SearchResults, SignUpRule, User, UserListQuery};
use sqlx::Row;

use super::sql::Sql;
use super::users::user_from_row;
use super::{Store, parse_id};
use crate::error::Result;

/// Results per kind in one search.
const SEARCH_LIMIT: i64 = 20;

/// The digits of a phone number as typed (`+1 (555) 010-0142` → `15550100142`).
pub(crate) fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// A query that reads as a phone number: digits and phone punctuation, at least four digits.
fn as_phone(q: &str) -> Option<String> {
    let looks = q
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let digits = phone_digits(q);
    (looks && digits.len() >= 4).then_some(digits)
}

/// A query that reads as (part of) a MAC address, in the stored form `aa:bb:cc:dd:ee:ff`:
/// dashes and dots become colons, twelve bare hex digits get their colons.
fn as_mac(q: &str) -> Option<String> {
    let lower = q.trim().to_ascii_lowercase();
    if lower.len() == 12 && lower.chars().all(|c| c.is_ascii_hexdigit()) {
        let pairs: Vec<&str> = (0..6).map(|i| &lower[i * 2..i * 2 + 2]).collect();
        return Some(pairs.join(":"));
    }
    let mac = lower.replace(['-', '.'], ":");
    let looks = mac.len() >= 5
        && mac.contains(':')
        && mac.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
    looks.then_some(mac)
}

impl Store {
    /// Every organisation with its email domains, by name.
    pub async fn list_orgs(&self) -> Result<Vec<Org>> {
        let rows = sqlx::query("SELECT id, name, auto_activate, sign_up FROM orgs ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        self.orgs_from_rows(&rows).await
    }

    /// One organisation as the desk sees it (its identity provider is the caller's to add):
    /// `None` when there is no such organisation.
    pub async fn org_detail(
        &self,
        id: bellhop_proto::OrgId,
    ) -> Result<Option<bellhop_proto::OrgDetail>> {
        let rows = sqlx::query(
            "SELECT id, name, auto_activate, sign_up, created_at FROM orgs WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let created_at = super::ts(row.try_get("created_at")?)?;
        let Some(org) = self.orgs_from_rows(&rows).await?.pop() else {
            return Ok(None);
        };
        let contacts = sqlx::query(
            "SELECT * FROM users WHERE org_id = $1 AND role = 'primary_contact' ORDER BY name",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(super::users::user_from_row)
        .collect::<Result<Vec<_>>>()?;
        let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE org_id = $1")
            .bind(id.to_string())
            .fetch_one(&self.pool)
            .await?;
        let devices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE org_id = $1")
            .bind(id.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(bellhop_proto::OrgDetail {
            org,
            created_at,
            contacts,
            people: u32::try_from(people).unwrap_or(u32::MAX),
            devices: u32::try_from(devices).unwrap_or(u32::MAX),
            identity_provider: None,
        }))
    }

    async fn orgs_from_rows(&self, rows: &[sqlx::any::AnyRow]) -> Result<Vec<Org>> {
        let mut domains: HashMap<String, Vec<String>> = HashMap::new();
        for r in sqlx::query("SELECT domain, org_id FROM org_domains ORDER BY domain")
            .fetch_all(&self.pool)
            .await?
        {
            domains
                .entry(r.try_get("org_id")?)
                .or_default()
                .push(r.try_get("domain")?);
        }
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let auto: i64 = r.try_get("auto_activate")?;
                let sign_up: String = r.try_get("sign_up")?;
                Ok(Org {
                    id: parse_id(&id)?,
                    name: r.try_get("name")?,
                    domains: domains.remove(&id).unwrap_or_default(),
                    auto_activate: auto != 0,
                    sign_up: SignUpRule::from_stored(&sign_up),
                })
            })
            .collect()
    }

    /// People by name or email (at most 200), by name.
    pub async fn list_users(&self, q: &UserListQuery) -> Result<Vec<User>> {
        let mut qb = Sql::new("SELECT * FROM users WHERE 1 = 1");
        if q.staff == Some(true) {
            qb.push(" AND role IN ('technician', 'admin')");
        }
        if let Some(org) = q.org_id {
            qb.push(" AND org_id = ").bind(org.to_string());
        }
        qb.push_words(&["name", "email"], q.q.as_deref().unwrap_or(""));
        qb.push(" ORDER BY name LIMIT 200");
        let rows = qb.build()?.fetch_all(&self.pool).await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The help-desk search: users by name, email, phone or id; organisations by name, id or
    /// email domain; devices by hostname, serial, MAC or id.
    pub async fn search(&self, q: &str) -> Result<SearchResults> {
        let q = q.trim();
        if q.is_empty() {
            return Ok(SearchResults::default());
        }
        let id = uuid::Uuid::parse_str(q).ok().map(|u| u.to_string());

        let mut users = Sql::new("SELECT * FROM users WHERE ");
        match (&id, as_phone(q)) {
            (Some(id), _) => {
                users.push("id = ").bind(id.clone());
            }
            (None, Some(digits)) => {
                users.push("phone_digits LIKE ").bind(format!("%{digits}%"));
            }
            (None, None) => {
                users.push("1 = 1").push_words(&["name", "email"], q);
            }
        }
        users.push(" ORDER BY name").limit(SEARCH_LIMIT);

        let mut orgs =
            Sql::new("SELECT o.id, o.name, o.auto_activate, o.sign_up FROM orgs o WHERE ");
        match &id {
            Some(id) => {
                orgs.push("o.id = ").bind(id.clone());
            }
            None => {
                let pattern = format!("%{}%", q.replace(['%', '_'], "").to_lowercase());
                orgs.push("lower(o.name) LIKE ")
                    .bind(pattern.clone())
                    .push(" OR EXISTS (SELECT 1 FROM org_domains d WHERE d.org_id = o.id AND d.domain LIKE ")
                    .bind(pattern)
                    .push(")");
            }
        }
        orgs.push(" ORDER BY o.name").limit(SEARCH_LIMIT);

        let mut devices = Sql::new(
            "SELECT d.*, o.name AS org_name FROM devices d JOIN orgs o ON o.id = d.org_id WHERE ",
        );
        match (&id, as_mac(q)) {
            (Some(id), _) => {
                devices.push("d.id = ").bind(id.clone());
            }
            (None, Some(mac)) => {
                devices.push("d.macs LIKE ").bind(format!("%{mac}%"));
            }
            (None, None) => {
                devices
                    .push("1 = 1")
                    .push_words(&["d.hostname", "d.serial"], q);
            }
        }
        devices.push(" ORDER BY d.hostname").limit(SEARCH_LIMIT);

        let user_rows = users.build()?.fetch_all(&self.pool).await?;
        let org_rows = orgs.build()?.fetch_all(&self.pool).await?;
        let device_rows = devices.build()?.fetch_all(&self.pool).await?;
        Ok(SearchResults {
            users: user_rows.iter().map(user_from_row).collect::<Result<_>>()?,
            orgs: self.orgs_from_rows(&org_rows).await?,
            devices: device_rows
                .iter()
                .map(super::devices::device_from_row)
                .collect::<Result<_>>()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_queries_are_compared_by_their_digits() {
        assert_eq!(
            as_phone("+1 (555) 010-0142").as_deref(),
            Some("15550100142")
        );
        assert_eq!(as_phone("0142").as_deref(), Some("0142"));
        assert_eq!(as_phone("142"), None);
        assert_eq!(as_phone("bob 0142"), None);
    }

    #[test]
    fn mac_queries_take_the_stored_form() {
        assert_eq!(
            as_mac("AA-BB-CC-DD-EE-FF").as_deref(),
            Some("aa:bb:cc:dd:ee:ff")
        );
        assert_eq!(as_mac("aabbccddeeff").as_deref(), Some("aa:bb:cc:dd:ee:ff"));
        assert_eq!(as_mac("dd:ee").as_deref(), Some("dd:ee"));
        assert_eq!(as_mac("bob"), None);
        assert_eq!(as_mac("cafe"), None);
    }
}
