//! SIPp (Debian's `sip-tester`): a SIP peer nobody here wrote, calling the
//! server's phone line with its scenarios, retransmissions and all.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

/// What SIPp does on one call.
pub enum Scenario {
    /// SIPp's own `uac`: INVITE, 200, ACK, BYE.
    Uac,
    /// It rings with early media (183) first, is answered, hangs up.
    Answered,
    /// Answered, the caller presses these keys (RFC 4733), then hangs up.
    Keys(&'static str),
    /// Answered, the caller holds the call (a sendonly re-INVITE, which
    /// must be answered recvonly) and takes it back, then hangs up.
    Held,
    /// The caller hangs up while it rings: CANCEL, and the INVITE's 487.
    Cancelled,
    /// Answered, the caller sends no audio at all: Earshot hangs up (BYE).
    Silent,
    /// It is refused with this status.
    Refused(u16),
    /// It is refused 503 with a Retry-After: the line has calls enough.
    Busy,
    /// Answered, it is asked to transfer the call to +442079460123 and
    /// will not (REFER refused 501); it talks on for this many
    /// milliseconds, then hangs up.
    ReferRefused { talks_for: u32 },
    /// Answered, it is asked to transfer the call to +442079460123, takes
    /// the job (202), tells it rang then was answered (NOTIFY), and is
    /// hung up on.
    Referred,
    /// Challenged (401), it signs its INVITE again with this account's
    /// digest: answered when right (then it hangs up), 403 when wrong.
    Signed { username: &'static str, password: &'static str, accepted: bool },
}

/// An ACK in the dialog of the INVITE with CSeq `cseq`, on `branch`.
fn ack(cseq: u32, branch: &str) -> String {
    format!(
        "  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch={branch}
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {cseq} ACK
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>\n"
    )
}

impl Scenario {
    /// The scenario file's text; `None` for SIPp's built-in one.
    fn text(&self) -> Option<String> {
        let invite = include_str!("../scenarios/invite.xml");
        let answered = |during: &str, hangup: &str| include_str!("../scenarios/answered.xml").replacen("DURING", during, 1).replacen("HANGUP", hangup, 1);
        let bye = include_str!("../scenarios/bye.xml");
        let text = match self {
            Scenario::Uac => return None,
            Scenario::Answered => answered(r#"<pause milliseconds="1000"/>"#, bye),
            Scenario::Keys(keys) => answered(&format!(r#"<nop><action><exec play_dtmf="{keys}"/></action></nop><pause milliseconds="3000"/>"#), bye),
            Scenario::Held => answered(include_str!("../scenarios/held.xml"), bye),
            Scenario::Silent => answered("", include_str!("../scenarios/hung_up.xml")),
            Scenario::ReferRefused { talks_for } => answered(&include_str!("../scenarios/refer_refused.xml").replace("TALKS_FOR", &talks_for.to_string()), bye),
            Scenario::Referred => answered(include_str!("../scenarios/referred.xml"), include_str!("../scenarios/hung_up.xml")),
            Scenario::Cancelled => include_str!("../scenarios/cancelled.xml").to_owned(),
            Scenario::Refused(code) => include_str!("../scenarios/refused.xml").replace("CODE", &code.to_string()),
            Scenario::Signed { username, password, accepted } => {
                let (outcome, tail) = match accepted {
                    true => ("200", format!("{}  <pause milliseconds=\"500\"/>\n{bye}", ack(2, "[branch]"))),
                    // The ACK of a refusal is the INVITE's own transaction's.
                    false => ("403", ack(2, "[branch-4]")),
                };
                let signed = include_str!("../scenarios/signed.xml").replace("USER", username).replace("PASSWORD", password);
                signed.replacen("\"OUTCOME\"", &format!("\"{outcome}\""), 1).replacen("OUTCOME_TAIL", &tail, 1)
            }
            Scenario::Busy => include_str!("../scenarios/refused.xml").replace("CODE", "503").replace(
                r#"<recv response="503"/>"#,
                r#"<recv response="503"><action><ereg regexp="Retry-After: [0-9]+" search_in="msg" check_it="true" assign_to="retry"/></action></recv>
  <Reference variables="retry"/>"#,
            ),
        };
        Some(text.replacen("\nINVITE\n", &format!("\n{invite}\n"), 1))
    }
}

/// Calls `dialled` at `line` once with `scenario`: whether it went as
/// the scenario says.
pub async fn call(scenario: Scenario, line: SocketAddr, dialled: &str) -> bool {
    let file = scenario.text().map(|text| scenario_file(&text));
    let mut command = Command::new("sipp");
    match &file {
        Some(file) => command.arg("-sf").arg(file),
        None => command.args(["-sn", "uac"]),
    };
    command.args(["-s", dialled, "-m", "1", "-i", "127.0.0.1", "-timeout", "30s", "-timeout_error", "-nostdin", "-nd"]);
    command.args(["-p", &free_port().to_string(), "-mp", &free_port().to_string()]).arg(line.to_string());
    if std::env::var_os("EARSHOT_E2E_DEBUG").is_none() {
        command.stdout(Stdio::null()).stderr(Stdio::null());
    }
    let status = tokio::task::spawn_blocking(move || command.status().expect("sipp runs (Debian's sip-tester: `cargo xtask test` installs it)")).await.expect("sipp's wait");
    if let Some(file) = file {
        let _ = std::fs::remove_file(file);
    }
    status.success()
}

/// How an outside number a call is sent to behaves.
pub enum Outside {
    /// SIPp's own `uas`: it answers, echoes its RTP, and expects the
    /// other side to hang up.
    Answers,
    /// 486 to the INVITE.
    Busy,
    /// It rings until the INVITE is CANCELled (200, then 487).
    Rings,
    /// Its trunk challenges the INVITE (401) and answers it once signed
    /// with this account's digest; the other side hangs up.
    Challenges { username: &'static str, password: &'static str },
}

/// An outside number on 127.0.0.1 at `port`: whether the one call it gets
/// went as `how` says.
pub async fn outside_number(port: u16, how: Outside) -> bool {
    let text = match how {
        Outside::Answers => return answer(port, &["-sn", "uas", "-rtp_echo"]).await,
        Outside::Busy => include_str!("../scenarios/busy.xml").to_owned(),
        Outside::Rings => include_str!("../scenarios/rings.xml").to_owned(),
        Outside::Challenges { username, password } => include_str!("../scenarios/challenges.xml").replace("USER", username).replace("PASSWORD", password),
    };
    let path = scenario_file(&text);
    let went = answer(port, &["-sf", path.to_str().expect("a temp path")]).await;
    let _ = std::fs::remove_file(path);
    went
}

/// SIPp answering one call at `port` with `scenario` (its arguments).
async fn answer(port: u16, scenario: &[&str]) -> bool {
    let mut command = Command::new("sipp");
    command.args(scenario).args(["-m", "1", "-i", "127.0.0.1", "-timeout", "40s", "-timeout_error", "-nostdin", "-nd"]);
    command.args(["-p", &port.to_string(), "-mp", &free_port().to_string()]);
    if std::env::var_os("EARSHOT_E2E_DEBUG").is_none() {
        command.stdout(Stdio::null()).stderr(Stdio::null());
    }
    tokio::task::spawn_blocking(move || command.status().expect("sipp runs").success()).await.expect("sipp's wait")
}

/// `text` in a scenario file of its own, for SIPp's `-sf`.
fn scenario_file(text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("earshot-sipp-{}-{}.xml", std::process::id(), free_port()));
    std::fs::write(&path, text).expect("a scenario file");
    path
}

/// A UDP port free now.
pub fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr()).expect("a free port").port()
}
