//! The company's core started from the database: once when one server
//! starts, and on several nodes each time a node takes the company.

use std::sync::Arc;
use std::time::Duration;

use earshot_domain::Core;
use earshot_phrases::{Listening, Model};
use earshot_protocol::AttentionSettings;
use earshot_simulator::SimConfig;
use earshot_store::{Store, Writer};

use super::LiveHandle;
use crate::listen::{self, Ears};
use crate::media::MediaHandle;
use crate::{now, StartError};

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
    /// Ends, with `why`, the calls the last core left live in the database
    /// (their audio went with it), then starts the core on `writer`.
    pub async fn start(&self, writer: Writer, why: &str) -> Result<LiveHandle, StartError> {
        let cut_off = self.store.close_cut_off_calls(why).await?;
        if cut_off > 0 {
            tracing::warn!("{cut_off} calls were live when the company's core last stopped: ended in their records");
        }
        let company = self.store.company().await?;
        // Ids start at the start time in µs (below 2^53, exact as a JSON
        // number in the browser, until the year 2255), and after every id
        // kept, even if the clock went back: a restart never reuses one.
        let first_id = (now().0 * 1000).max(self.store.last_call_id().await? + 1);
        let (attention, _) = self.attention().await?;
        let core = Core::new(company.directory).with_grace(self.grace).with_long_hold(Duration::from_millis(attention.long_hold_ms)).with_first_id(first_id);
        Ok(super::spawn(core, self.simulator.clone(), self.media.clone(), self.ears.clone(), writer))
    }

    /// The attention settings in force (the company's saved ones, else the
    /// defaults), and the phrase spotter they ask for.
    pub async fn attention(&self) -> Result<(AttentionSettings, Option<Arc<Listening>>), StartError> {
        let attention = self.store.attention_settings().await?.unwrap_or_else(|| self.attention.clone());
        let phrases = self.phrases(&attention);
        Ok((attention, phrases))
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
