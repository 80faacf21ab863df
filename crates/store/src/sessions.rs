//! Signed-in sessions. The store keeps the SHA-256 of each token, never the
//! token: a copy of the database signs nobody in.

use earshot_protocol::{Millis, UserId};
use sqlx::Row;

use crate::company::id;
use crate::{Error, Store};

impl Store {
    pub async fn open_session(&self, token_hash: &str, user: UserId, expires: Millis) -> Result<(), Error> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(i64::from(user.0))
            .bind(expires.0 as i64)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whose session it is and when it expires, if it is live at `now`.
    pub async fn session(&self, token_hash: &str, now: Millis) -> Result<Option<(UserId, Millis)>, Error> {
        let row = sqlx::query("SELECT user_id, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now.0 as i64)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok((UserId(id(&row, "user_id")?), Millis(row.try_get::<i64, _>("expires_at")? as u64)))).transpose()
    }

    /// Ends a session; returns whose it was.
    pub async fn close_session(&self, token_hash: &str) -> Result<Option<UserId>, Error> {
        let row = sqlx::query("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok(UserId(id(&row, "user_id")?))).transpose()
    }

    /// Ends every session of `user` but `keep` (a token's hash): on a
    /// deactivation (`keep: None`) or a password change. Returns how many.
    pub async fn close_sessions_of(&self, user: UserId, keep: Option<&str>) -> Result<u64, Error> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)")
            .bind(i64::from(user.0))
            .bind(keep)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Whether `user` has a session live at `now`.
    pub async fn has_session(&self, user: UserId, now: Millis) -> Result<bool, Error> {
        let row = sqlx::query("SELECT 1 FROM sessions WHERE user_id = $1 AND expires_at > $2 LIMIT 1")
            .bind(i64::from(user.0))
            .bind(now.0 as i64)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Forgets sessions that expired before `now`; returns how many.
    pub async fn purge_sessions(&self, now: Millis) -> Result<u64, Error> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now.0 as i64).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}
