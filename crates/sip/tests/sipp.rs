//! The line against SIPp (Debian's `sip-tester`), a SIP peer nobody here
//! wrote: its own scenarios' INVITE, ACK, BYE and retransmissions.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use earshot_sip::line::{DialogEvent, IncomingCall, Line, LineConfig, Refusal};
use earshot_sip::trunk::Trunks;

const DIALLED: &str = "442071838750";

async fn line(allowed: &[&str]) -> (Line, tokio::sync::mpsc::Receiver<IncomingCall>) {
    let trunks = Trunks { allowed: allowed.iter().map(|a| a.parse().unwrap()).collect() };
    Line::start(LineConfig { bind: "127.0.0.1:0".parse().unwrap(), trunks, max_calls: 4 }).await.expect("the line starts")
}

/// A UDP port free now.
fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// SIPp's INVITE, refused with `code`: the ACK, and done.
fn refused(code: u16) -> String {
    let invite = include_str!("scenarios/invite.xml");
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="refused {code}">
{invite}
  <recv response="100" optional="true"/>
  <recv response="{code}"/>
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
</scenario>
"#
    )
}

/// Runs SIPp once toward `line` with a built-in scenario (`-sn uac`) or a
/// file's: whether it passed.
async fn sipp(scenario: &str, line: SocketAddr) -> bool {
    let file = scenario.starts_with('<').then(|| tempfile(scenario));
    let mut command = Command::new("sipp");
    match &file {
        Some(file) => command.arg("-sf").arg(file),
        None => command.args(["-sn", scenario]),
    };
    command.args(["-s", DIALLED, "-m", "1", "-i", "127.0.0.1", "-timeout", "20s", "-timeout_error", "-nostdin", "-nd"]);
    command.args(["-p", &free_port().to_string(), "-mp", &free_port().to_string()]).arg(line.to_string());
    command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let status = tokio::task::spawn_blocking(move || command.status().expect("sipp runs (Debian's sip-tester; `cargo xtask test` installs it)")).await.unwrap();
    if let Some(file) = file {
        let _ = std::fs::remove_file(file);
    }
    status.success()
}

/// `text` in a file of its own, for SIPp to read.
fn tempfile(text: &str) -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("earshot-sipp-{}-{n}.xml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

/// An answer for SIPp's offer (PCMU to its media port).
fn answer(call: &IncomingCall) -> String {
    call.offer.answer("127.0.0.1:40000".parse().unwrap(), 1, 1).expect("SIPp offers PCMU").1
}

#[tokio::test]
async fn a_call_from_the_trunk_rings_is_answered_and_its_bye_ends_it() {
    let (line, mut calls) = line(&["127.0.0.1/32"]).await;
    let uac = tokio::spawn(sipp("uac", line.local_addr()));
    let mut call = calls.recv().await.expect("the INVITE reaches the server");
    assert_eq!((call.dialled.as_str(), call.caller.as_deref(), call.source.to_string().as_str()), ("+442071838750", None, "127.0.0.1"), "SIPp calls as `sipp`: no number");
    let sdp = answer(&call);
    call.early_media(&sdp);
    tokio::time::sleep(Duration::from_millis(200)).await;
    call.answer(&sdp);
    let ended = tokio::time::timeout(Duration::from_secs(20), call.events.recv()).await.expect("SIPp hangs up");
    assert!(matches!(ended, Some(DialogEvent::Ended { why: "the caller hung up" })), "{ended:?}");
    assert!(uac.await.unwrap(), "SIPp's uac scenario passes: 183, 200, ACK, BYE answered");
}

#[tokio::test]
async fn a_call_from_an_address_no_trunk_has_is_refused_and_never_reaches_the_server() {
    let (line, mut calls) = line(&["192.0.2.0/24"]).await;
    assert!(sipp(&refused(403), line.local_addr()).await, "SIPp's call is refused 403");
    assert!(calls.try_recv().is_err(), "nothing reached the server");
}

#[tokio::test]
async fn a_call_the_server_refuses_fails_at_the_trunk() {
    let (line, mut calls) = line(&["127.0.0.1/32"]).await;
    let uac = tokio::spawn(async move { sipp(&refused(404), line.local_addr()).await });
    let call = calls.recv().await.expect("the INVITE reaches the server");
    call.refuse(Refusal::UnknownNumber);
    assert!(uac.await.unwrap(), "SIPp's call is refused 404");
}
