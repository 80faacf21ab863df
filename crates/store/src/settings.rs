//! The company's settings that admins edit.

use earshot_protocol::{AttentionSettings, PhoneLineSettings};
use sqlx::Row;

use crate::{Error, Store};

impl Store {
    /// The attention settings an admin saved, if any.
    pub async fn attention_settings(&self) -> Result<Option<AttentionSettings>, Error> {
        let row = sqlx::query("SELECT long_hold_ms, dead_air_ms, overtalk_ms, raised_voice_db, agent_talk_percent, phrases FROM attention_settings WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let number = |i: usize| -> Result<u64, Error> { Ok(u64::try_from(row.try_get::<i64, _>(i)?).unwrap_or(0)) };
        let phrases: String = row.try_get(5)?;
        Ok(Some(AttentionSettings {
            long_hold_ms: number(0)?,
            dead_air_ms: number(1)?,
            overtalk_ms: number(2)?,
            raised_voice_db: u32::try_from(number(3)?).unwrap_or(u32::MAX),
            agent_talk_percent: u32::try_from(number(4)?).unwrap_or(u32::MAX),
            phrases: phrases.lines().map(str::to_owned).collect(),
        }))
    }

    /// Saves `settings` in place of any before (committed when this returns).
    pub async fn save_attention_settings(&self, settings: &AttentionSettings) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM attention_settings").execute(&mut *tx).await?;
        let number = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        sqlx::query("INSERT INTO attention_settings (id, long_hold_ms, dead_air_ms, overtalk_ms, raised_voice_db, agent_talk_percent, phrases) VALUES (1, $1, $2, $3, $4, $5, $6)")
            .bind(number(settings.long_hold_ms))
            .bind(number(settings.dead_air_ms))
            .bind(number(settings.overtalk_ms))
            .bind(i64::from(settings.raised_voice_db))
            .bind(i64::from(settings.agent_talk_percent))
            .bind(settings.phrases.join("\n"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// The phone line's rules an admin saved, if any.
    pub async fn phone_line_settings(&self) -> Result<Option<PhoneLineSettings>, Error> {
        let row = sqlx::query("SELECT trunks, max_calls, account, password, outbound FROM phone_line_settings WHERE id = 1").fetch_optional(&self.pool).await?;
        let Some(row) = row else { return Ok(None) };
        let trunks: String = row.try_get(0)?;
        let max_calls = u32::try_from(row.try_get::<i64, _>(1)?).unwrap_or(u32::MAX);
        Ok(Some(PhoneLineSettings { trunks: trunks.lines().map(str::to_owned).collect(), max_calls, account: row.try_get(2)?, password: row.try_get(3)?, outbound: row.try_get(4)? }))
    }

    /// Saves the phone line's rules in place of any before (committed when
    /// this returns).
    pub async fn save_phone_line_settings(&self, settings: &PhoneLineSettings) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM phone_line_settings").execute(&mut *tx).await?;
        sqlx::query("INSERT INTO phone_line_settings (id, trunks, max_calls, account, password, outbound) VALUES (1, $1, $2, $3, $4, $5)")
            .bind(settings.trunks.join("\n"))
            .bind(i64::from(settings.max_calls))
            .bind(settings.account.clone())
            .bind(settings.password.clone())
            .bind(settings.outbound.clone())
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
}
