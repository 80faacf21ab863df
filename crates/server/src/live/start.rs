//! The company's core started from the database: once when one server
//! starts, and on several nodes each time a node takes the company.

use std::sync::Arc;
use std::time::Duration;

use earshot_domain::Core;
use earshot_phrases::{Listening, Model};
use earshot_protocol::AttentionSettings;
use earshot_simulator::SimConfig;
use earshot_store::{Epoch, Store, Writer};

use super::LiveHandle;
use crate::listen::{self, Ears};
use crate::media::MediaHandle;
use crate::{now, supervise, StartError};

/// What the core is started with, besides the database's state.
#[derive(Clone)]
pub struct CoreStart {
    pub store: Store,
    pub grace: Duration,
    pub simulator: Option<SimConfig>,
    /// The attention settings until an admin saves the company's own.
    pub attention: AttentionSettings,
    /// The speech model phrases are spotted with, if there is one.
    pub speech: Option<Arc<Model>>,
    pub media: MediaHandle,
    pub ears: Ears,
}

impl CoreStart {
    /// The one server's core: the calls its last run left live first end
    /// in their record with `why` (their audio went with it).
    pub async fn start(&self, why: &str) -> Result<LiveHandle, StartError> {
        self.close_cut_off(why, None).await?;
        let (writer, writing) = Writer::new(self.store.clone()).await?;
        self.spawn(writer, writing).await
    }

    /// The core of the node that owns the company at `epoch`, behind the
    /// store's fence, and its writer (it says when it is deposed); `None`
    /// when a newer owner has raised the fence past `epoch`.
    pub async fn start_fenced(&self, epoch: Epoch, why: &str) -> Result<Option<(LiveHandle, Writer)>, StartError> {
        if !self.close_cut_off(why, Some(epoch)).await? {
            return Ok(None);
        }
        let (writer, writing) = match Writer::fenced(self.store.clone(), epoch).await {
            Ok(fenced) => fenced,
            Err(None) => return Ok(None),
            Err(Some(e)) => return Err(e.into()),
        };
        Ok(Some((self.spawn(writer.clone(), writing).await?, writer)))
    }

    /// Before the writer starts: the audit ids it takes are the writer's
    /// next. False when the fence is past `fence`.
    async fn close_cut_off(&self, why: &str, fence: Option<Epoch>) -> Result<bool, StartError> {
        let Some(cut_off) = self.store.close_cut_off_calls(why, fence).await? else { return Ok(false) };
        if cut_off > 0 {
            tracing::warn!("{cut_off} calls were live when the company's core last stopped: ended in their records");
        }
        Ok(true)
    }

    async fn spawn(&self, writer: Writer, writing: impl std::future::Future<Output = ()> + Send + 'static) -> Result<LiveHandle, StartError> {
        supervise::task("database writer", writing);
        let company = self.store.company().await?;
        // Ids start at the start time in µs (below 2^53, exact as a JSON
        // number in the browser, until the year 2255), and after every id
        // kept, even if the clock went back: a restart never reuses one.
        let first_id = (now().0 * 1000).max(self.store.last_call_id().await? + 1);
        let attention = self.settings().await?;
        let core = Core::new(company.directory).with_grace(self.grace).with_long_hold(Duration::from_millis(attention.long_hold_ms)).with_first_id(first_id);
        Ok(super::spawn(core, self.simulator.clone(), self.media.clone(), self.ears.clone(), writer))
    }

    /// The attention settings in force (the company's saved ones, else the
    /// defaults), and the phrase spotter they ask for.
    pub async fn attention(&self) -> Result<(AttentionSettings, Option<Arc<Listening>>), StartError> {
        let attention = self.settings().await?;
        let phrases = self.phrases(&attention);
        Ok((attention, phrases))
    }

    /// The attention settings in force, without building their spotter.
    async fn settings(&self) -> Result<AttentionSettings, StartError> {
        Ok(self.store.attention_settings().await?.unwrap_or_else(|| self.attention.clone()))
    }

    /// This node's listener told the settings in force: another node may
    /// have saved new ones since it started.
    pub async fn listen_as_saved(&self) -> Result<(), StartError> {
        let (attention, phrases) = self.attention().await?;
        self.ears.settings(listen::thresholds(&attention), phrases);
        Ok(())
    }

    /// The spotter for `settings`' phrases, with this node's model.
    pub fn phrases(&self, settings: &AttentionSettings) -> Option<Arc<Listening>> {
        listen::listen_for(self.speech.as_deref(), &settings.phrases).unwrap_or_else(|e| {
            tracing::warn!("no phrase alerts: {e}");
            None
        })
    }
}
