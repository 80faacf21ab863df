//! The setup's steps as plain state: what each shows, and how far along the
//! whole setup is. The views only render it.

/// Where one step stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not started: an earlier step is not done yet.
    Waiting,
    /// Under way, saying what it does now.
    Working(String),
    /// Done, saying what was found.
    Done(String),
    /// Failed, saying what to do about it (the view offers Retry).
    Failed(String),
}

impl Status {
    pub fn is_done(&self) -> bool {
        matches!(self, Status::Done(_))
    }

    /// The word for assistive technology and the step's badge.
    pub fn label(&self) -> &'static str {
        match self {
            Status::Waiting => "Not started",
            Status::Working(_) => "In progress",
            Status::Done(_) => "Done",
            Status::Failed(_) => "Needs attention",
        }
    }

    /// The class of the step in the list.
    pub fn class(&self) -> &'static str {
        match self {
            Status::Waiting => "step waiting",
            Status::Working(_) => "step working",
            Status::Done(_) => "step done",
            Status::Failed(_) => "step failed",
        }
    }

    pub fn detail(&self) -> Option<&str> {
        match self {
            Status::Waiting => None,
            Status::Working(s) | Status::Done(s) | Status::Failed(s) => Some(s),
        }
    }
}

/// The three steps, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Steps {
    pub install: Status,
    /// Bytes installed of all, while installing.
    pub installed: (u64, u64),
    pub microphone: Status,
    pub path: Status,
}

impl Default for Steps {
    fn default() -> Self {
        Self { install: Status::Waiting, installed: (0, 0), microphone: Status::Waiting, path: Status::Waiting }
    }
}

impl Steps {
    /// How far along the whole setup is, in percent: each step a third,
    /// the install counted by its bytes.
    pub fn percent(&self) -> u32 {
        let install = match (&self.install, self.installed) {
            (Status::Done(_), _) => 1.0,
            (Status::Working(_), (done, total)) if total > 0 => done as f64 / total as f64,
            _ => 0.0,
        };
        let done = |s: &Status| if s.is_done() { 1.0 } else { 0.0 };
        ((install + done(&self.microphone) + done(&self.path)) / 3.0 * 100.0).round() as u32
    }

    pub fn is_complete(&self) -> bool {
        self.install.is_done() && self.microphone.is_done() && self.path.is_done()
    }
}

/// "12.3 KB" for the install's words.
pub fn kilobytes(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

/// What the coach is told when the audio path is blocked; the coaching bar
/// says the same.
pub fn it_advice(server: &str) -> String {
    format!("Ask your IT team to allow {server} from this computer (and the replies back).")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_each_step_a_third_and_the_install_by_bytes() {
        let mut steps = Steps::default();
        assert_eq!(steps.percent(), 0);
        steps.install = Status::Working("Downloading".into());
        steps.installed = (5, 10);
        assert_eq!(steps.percent(), 17);
        steps.install = Status::Done("Installed".into());
        assert_eq!(steps.percent(), 33);
        steps.microphone = Status::Failed("Blocked".into());
        assert_eq!(steps.percent(), 33, "a failed step is not progress");
        steps.microphone = Status::Done("Allowed".into());
        steps.path = Status::Done("Connected".into());
        assert_eq!(steps.percent(), 100);
        assert!(steps.is_complete());
    }

    #[test]
    fn statuses_read_plainly() {
        assert_eq!(Status::Failed("x".into()).label(), "Needs attention");
        assert_eq!(Status::Waiting.detail(), None);
        assert_eq!(kilobytes(10_149), "10.1 KB");
        assert_eq!(it_advice("UDP to 10.0.0.5, port 5004"), "Ask your IT team to allow UDP to 10.0.0.5, port 5004 from this computer (and the replies back).");
    }
}
