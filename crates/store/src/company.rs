//! The company: numbers, users (roles, Live Monitoring access, numbers,
//! password hashes) and contacts. Seeded once into an empty store; read at
//! every start.

use std::collections::BTreeMap;

use earshot_domain::{Directory, User};
use earshot_protocol::{CompanyNumber, Contact, ContactId, NumberId, UserId};
use sqlx::{AnyConnection, Row};

use crate::text::{from_text, to_text};
use crate::{Error, Store};

/// Who works here and how they sign in.
#[derive(Clone, Debug)]
pub struct Company {
    pub directory: Directory,
    /// argon2 PHC strings; a user without one cannot sign in.
    pub password_hashes: BTreeMap<UserId, String>,
}

impl Store {
    /// Whether the store holds no company yet.
    pub async fn is_empty(&self) -> Result<bool, Error> {
        let users: i64 = sqlx::query("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?.try_get(0)?;
        Ok(users == 0)
    }

    /// Writes `company` in one transaction, all of it or nothing, if the
    /// store holds no company yet: whether it did. Servers starting at once
    /// on one empty database seed it once (the fence's row is locked until
    /// the seeding commits, and each looks again behind it).
    pub async fn seed_if_empty(&self, company: &Company) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE fence SET epoch = epoch WHERE id = 1").execute(&mut *tx).await?;
        let users: i64 = sqlx::query("SELECT COUNT(*) FROM users").fetch_one(&mut *tx).await?.try_get(0)?;
        if users > 0 {
            return Ok(false); // rolled back on drop
        }
        let directory = &company.directory;
        for number in directory.numbers() {
            sqlx::query("INSERT INTO numbers (id, name, e164) VALUES ($1, $2, $3)")
                .bind(i64::from(number.id.0))
                .bind(&number.name)
                .bind(&number.e164)
                .execute(&mut *tx)
                .await?;
        }
        for user in directory.users() {
            insert_user(&mut *tx, user, company.password_hashes.get(&user.id).map(String::as_str)).await?;
        }
        insert_contacts(&mut *tx, &directory.contacts().cloned().collect::<Vec<_>>()).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Adds `user` under the next free id (whatever id it came with), with
    /// `password_hash`: its id, or `None` when its email is taken already.
    pub async fn add_user(&self, user: &User, password_hash: Option<&str>) -> Result<Option<UserId>, Error> {
        let mut tx = self.pool.begin().await?;
        let email = user.email.to_lowercase();
        if sqlx::query("SELECT id FROM users WHERE email = $1").bind(&email).fetch_optional(&mut *tx).await?.is_some() {
            return Ok(None);
        }
        let last: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM users").fetch_one(&mut *tx).await?.try_get(0)?;
        let id = UserId(u32::try_from(last + 1).map_err(|_| Error::Protocol("no user id is left".into()))?);
        insert_user(&mut *tx, &User { id, email, ..user.clone() }, password_hash).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// `user` signs in with the password `hash` is of from now on.
    pub async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<(), Error> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(i64::from(user.0)).execute(&self.pool).await?;
        Ok(())
    }

    /// The hash of `user`'s password, if they have set one.
    pub async fn password_hash(&self, user: UserId) -> Result<Option<String>, Error> {
        let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1").bind(i64::from(user.0)).fetch_optional(&self.pool).await?;
        Ok(row.map(|row| row.try_get::<Option<String>, _>("password_hash")).transpose()?.flatten())
    }

    /// The company as stored.
    pub async fn company(&self) -> Result<Company, Error> {
        let mut removed = Vec::new();
        let mut numbers = Vec::new();
        for row in sqlx::query("SELECT id, name, e164, active FROM numbers ORDER BY id").fetch_all(&self.pool).await? {
            let number = CompanyNumber { id: NumberId(id(&row, "id")?), name: row.try_get("name")?, e164: row.try_get("e164")? };
            if row.try_get::<i64, _>("active")? == 0 {
                removed.push(number.id);
            }
            numbers.push(number);
        }

        let mut assigned: BTreeMap<u32, Vec<NumberId>> = BTreeMap::new();
        for row in sqlx::query("SELECT user_id, number_id FROM user_numbers ORDER BY user_id, number_id").fetch_all(&self.pool).await? {
            assigned.entry(id(&row, "user_id")?).or_default().push(NumberId(id(&row, "number_id")?));
        }
        let mut users = Vec::new();
        let mut password_hashes = BTreeMap::new();
        for row in sqlx::query("SELECT id, name, email, role, access, active, password_hash FROM users ORDER BY id").fetch_all(&self.pool).await? {
            let user_id = id(&row, "id")?;
            let user = User {
                id: UserId(user_id),
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                role: from_text(row.try_get("role")?)?,
                access: from_text(row.try_get("access")?)?,
                numbers: assigned.remove(&user_id).unwrap_or_default(),
                active: row.try_get::<i64, _>("active")? != 0,
            };
            if let Some(hash) = row.try_get::<Option<String>, _>("password_hash")? {
                password_hashes.insert(user.id, hash);
            }
            users.push(user);
        }

        let mut phones: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for row in sqlx::query("SELECT contact_id, phone FROM contact_phones ORDER BY contact_id, position").fetch_all(&self.pool).await? {
            phones.entry(id(&row, "contact_id")?).or_default().push(row.try_get("phone")?);
        }
        let contacts = sqlx::query("SELECT id, name, company, notes FROM contacts ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                let contact_id = id(row, "id")?;
                Ok(Contact {
                    id: ContactId(contact_id),
                    name: row.try_get("name")?,
                    phones: phones.remove(&contact_id).unwrap_or_default(),
                    company: row.try_get("company")?,
                    notes: row.try_get("notes")?,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Company { directory: Directory::new(users, numbers, contacts).with_removed_numbers(removed), password_hashes })
    }
}

/// A 32-bit id column (users, numbers, contacts).
pub(crate) fn id(row: &sqlx::any::AnyRow, column: &str) -> Result<u32, Error> {
    let value: i64 = row.try_get(column)?;
    u32::try_from(value).map_err(|e| Error::Decode(format!("{column} {value}: {e}").into()))
}

async fn insert_user(db: &mut AnyConnection, user: &User, password_hash: Option<&str>) -> Result<(), Error> {
    sqlx::query("INSERT INTO users (id, name, email, role, access, active, password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(i64::from(user.id.0))
        .bind(&user.name)
        .bind(user.email.to_lowercase())
        .bind(to_text(&user.role))
        .bind(to_text(&user.access))
        .bind(i64::from(user.active))
        .bind(password_hash)
        .execute(&mut *db)
        .await?;
    insert_numbers(db, user).await
}

/// A person as an admin saved them (the writer's `Record::PersonSaved`):
/// their row changed, or added without a password; their numbers replaced.
pub(crate) async fn save_person(db: &mut AnyConnection, user: &User) -> Result<(), Error> {
    let changed = sqlx::query("UPDATE users SET name = $2, email = $3, role = $4, access = $5, active = $6 WHERE id = $1")
        .bind(i64::from(user.id.0))
        .bind(&user.name)
        .bind(user.email.to_lowercase())
        .bind(to_text(&user.role))
        .bind(to_text(&user.access))
        .bind(i64::from(user.active))
        .execute(&mut *db)
        .await?;
    if changed.rows_affected() == 0 {
        return insert_user(db, user, None).await;
    }
    sqlx::query("DELETE FROM user_numbers WHERE user_id = $1").bind(i64::from(user.id.0)).execute(&mut *db).await?;
    insert_numbers(db, user).await
}

/// A number as an admin saved it: changed, or added, and live either way.
pub(crate) async fn save_number(db: &mut AnyConnection, number: &CompanyNumber) -> Result<(), Error> {
    let changed = sqlx::query("UPDATE numbers SET name = $2, e164 = $3, active = 1 WHERE id = $1")
        .bind(i64::from(number.id.0))
        .bind(&number.name)
        .bind(&number.e164)
        .execute(&mut *db)
        .await?;
    if changed.rows_affected() == 0 {
        sqlx::query("INSERT INTO numbers (id, name, e164) VALUES ($1, $2, $3)")
            .bind(i64::from(number.id.0))
            .bind(&number.name)
            .bind(&number.e164)
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}

/// A number removed: kept for past calls, taken by nobody.
pub(crate) async fn remove_number(db: &mut AnyConnection, number: NumberId) -> Result<(), Error> {
    sqlx::query("UPDATE numbers SET active = 0 WHERE id = $1").bind(i64::from(number.0)).execute(&mut *db).await?;
    sqlx::query("DELETE FROM user_numbers WHERE number_id = $1").bind(i64::from(number.0)).execute(&mut *db).await?;
    Ok(())
}

/// Rows one multi-row `INSERT` carries: a 10,000-contact import is a few
/// dozen statements, not 20,000 round trips.
const ROWS_PER_INSERT: usize = 250;

/// Contacts as an admin saved them: the changed ones replaced, the new
/// ones inserted, their phones with them.
pub(crate) async fn save_contacts(db: &mut AnyConnection, contacts: &[Contact]) -> Result<(), Error> {
    let mut new = Vec::new();
    for contact in contacts {
        let changed = sqlx::query("UPDATE contacts SET name = $2, company = $3, notes = $4 WHERE id = $1")
            .bind(i64::from(contact.id.0))
            .bind(&contact.name)
            .bind(contact.company.clone())
            .bind(&contact.notes)
            .execute(&mut *db)
            .await?;
        if changed.rows_affected() == 0 {
            new.push(contact.clone());
            continue;
        }
        sqlx::query("DELETE FROM contact_phones WHERE contact_id = $1").bind(i64::from(contact.id.0)).execute(&mut *db).await?;
        insert_phones(db, std::slice::from_ref(contact)).await?;
    }
    insert_contacts(db, &new).await
}

/// A contact deleted; the calls that named it keep the customer's phone.
pub(crate) async fn remove_contact(db: &mut AnyConnection, contact: ContactId) -> Result<(), Error> {
    let id = i64::from(contact.0);
    sqlx::query("UPDATE calls SET contact_id = NULL WHERE contact_id = $1").bind(id).execute(&mut *db).await?;
    sqlx::query("DELETE FROM contact_phones WHERE contact_id = $1").bind(id).execute(&mut *db).await?;
    sqlx::query("DELETE FROM contacts WHERE id = $1").bind(id).execute(&mut *db).await?;
    Ok(())
}

async fn insert_contacts(db: &mut AnyConnection, contacts: &[Contact]) -> Result<(), Error> {
    for chunk in contacts.chunks(ROWS_PER_INSERT) {
        let sql = format!("INSERT INTO contacts (id, name, company, notes) VALUES {}", placeholders(chunk.len(), 4));
        let mut query = sqlx::query(&sql);
        for contact in chunk {
            query = query.bind(i64::from(contact.id.0)).bind(&contact.name).bind(contact.company.clone()).bind(&contact.notes);
        }
        query.execute(&mut *db).await?;
    }
    insert_phones(db, contacts).await
}

async fn insert_phones(db: &mut AnyConnection, contacts: &[Contact]) -> Result<(), Error> {
    let phones: Vec<(i64, i64, &String)> =
        contacts.iter().flat_map(|c| c.phones.iter().enumerate().map(|(position, phone)| (i64::from(c.id.0), position as i64, phone))).collect();
    for chunk in phones.chunks(ROWS_PER_INSERT) {
        let sql = format!("INSERT INTO contact_phones (contact_id, position, phone) VALUES {}", placeholders(chunk.len(), 3));
        let mut query = sqlx::query(&sql);
        for (contact, position, phone) in chunk {
            query = query.bind(*contact).bind(*position).bind(*phone);
        }
        query.execute(&mut *db).await?;
    }
    Ok(())
}

/// `($1, $2), ($3, $4)` for `rows` rows of `columns`: the one placeholder
/// style both SQLite and PostgreSQL read.
fn placeholders(rows: usize, columns: usize) -> String {
    let row = |r: usize| format!("({})", (1..=columns).map(|c| format!("${}", r * columns + c)).collect::<Vec<_>>().join(", "));
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

async fn insert_numbers(db: &mut AnyConnection, user: &User) -> Result<(), Error> {
    for number in &user.numbers {
        sqlx::query("INSERT INTO user_numbers (user_id, number_id) VALUES ($1, $2)")
            .bind(i64::from(user.id.0))
            .bind(i64::from(number.0))
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_on_row_after_row() {
        assert_eq!(super::placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
