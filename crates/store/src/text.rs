//! The protocol's enums as the database spells them: their wire names
//! (`live_monitoring`, `on_hold` …), so there is one spelling for both.

use serde::de::DeserializeOwned;
use serde::Serialize;

pub fn to_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        other => unreachable!("only unit enums are stored as text: {other:?}"),
    }
}

pub fn from_text<T: DeserializeOwned>(text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|e| sqlx::Error::Decode(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_protocol::{CallState, MonitoringAccess};

    #[test]
    fn enums_round_trip_by_their_wire_names() {
        assert_eq!(to_text(&MonitoringAccess::LiveMonitoringPlus), "live_monitoring_plus");
        assert_eq!(from_text::<CallState>("on_hold").unwrap(), CallState::OnHold);
        assert!(from_text::<CallState>("paused").is_err());
    }
}
