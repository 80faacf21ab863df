//! One-time links to set a password. The store keeps the SHA-256 of each
//! token, as of sessions' tokens: a copy of the database opens no link.

use earshot_protocol::{Millis, UserId};
use sqlx::Row;

use crate::{Error, Store};

/// Whom a live link is for: a person, or the company's first admin (`None`).
pub type LinkFor = Option<UserId>;

impl Store {
    /// A new link for `user` (the setup link when `None`), live until
    /// `expires`; their earlier links stop working.
    pub async fn put_password_link(&self, token_hash: &str, user: LinkFor, expires: Millis) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        let user = user.map(|u| i64::from(u.0));
        sqlx::query("DELETE FROM password_links WHERE user_id = $1 OR ($1 IS NULL AND user_id IS NULL)").bind(user).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO password_links (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(user)
            .bind(expires.0 as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Whom the link is for, if it is live at `now`.
    pub async fn password_link(&self, token_hash: &str, now: Millis) -> Result<Option<LinkFor>, Error> {
        let row = sqlx::query("SELECT user_id FROM password_links WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now.0 as i64)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| link_for(&row)).transpose()
    }

    /// Uses the link up: whom it was for, if it was live at `now` and
    /// nobody used it first.
    pub async fn use_password_link(&self, token_hash: &str, now: Millis) -> Result<Option<LinkFor>, Error> {
        let row = sqlx::query("DELETE FROM password_links WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id")
            .bind(token_hash)
            .bind(now.0 as i64)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| link_for(&row)).transpose()
    }
}

fn link_for(row: &sqlx::any::AnyRow) -> Result<LinkFor, Error> {
    Ok(row.try_get::<Option<i64>, _>("user_id")?.map(|u| UserId(u as u32)))
}
