//! The coach's audio processing: its manifest, and the setup's audio path check.

use std::time::Duration;

use earshot_protocol::audio::{DSP_FILE, PROCESSOR_FILE};
use earshot_protocol::{ApiError, AudioManifest, ErrorCode, Outcome, Request};
use earshot_sfu::LegRole;

use crate::helpers::{spawn_app, spawn_app_with, TestApp, ALEX, SAM};
use crate::media::coach_offer;

/// `sha256sum` of the eight bytes below.
const DSP_SHA256: &str = "93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476";

#[tokio::test]
async fn the_manifest_names_every_served_file_with_its_sha256_and_is_never_cached() {
    let dist = std::env::temp_dir().join(format!("earshot-dist-{}", std::process::id()));
    std::fs::create_dir_all(dist.join("audio")).unwrap();
    std::fs::write(dist.join("audio").join(PROCESSOR_FILE), "registerProcessor('earshot-coach', class {});").unwrap();
    std::fs::write(dist.join("audio").join(DSP_FILE), b"\0asm\x01\0\0\0").unwrap();
    let app = spawn_app_with(|config| config.dist_dir = Some(dist.clone())).await;

    let response = app.client.get(app.url("/api/audio/manifest")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let manifest: AudioManifest = response.json().await.unwrap();
    let dsp = manifest.file(DSP_FILE).expect("the DSP is listed");
    assert_eq!(dsp.sha256, DSP_SHA256);
    assert_eq!(dsp.bytes, 8);
    let served = app.client.get(app.url(&format!("/audio/{DSP_FILE}"))).send().await.unwrap();
    assert_eq!(served.bytes().await.unwrap().as_ref(), b"\0asm\x01\0\0\0", "the file the manifest names is served");
    std::fs::remove_dir_all(&dist).unwrap();
}

#[tokio::test]
async fn without_the_built_audio_processing_the_manifest_says_how_to_build_it() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/api/audio/manifest")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let error: ApiError = response.json().await.unwrap();
    assert!(error.message.contains("cargo xtask run"), "{}", error.message);
}

async fn check_legs(app: &TestApp) -> usize {
    app.media.report().await.iter().filter(|r| r.room.0 >= 1 << 63).count()
}

async fn until_no_check_legs(app: &TestApp) {
    for _ in 0..100 {
        if check_legs(app).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the audio check's connection was not closed");
}

#[tokio::test]
async fn the_audio_path_check_answers_a_dashboard_in_a_room_of_its_own() {
    let app = spawn_app().await;
    let call = app.answered_call(earshot_domain::seed::SALES).await;
    let mut sam = app.live_client(SAM).await;
    sam.request(Request::Subscribe).await;

    let (outcome, _) = sam.request(Request::CheckAudioPath { offer: coach_offer() }).await;

    let Outcome::PathCheck { sdp } = outcome else { panic!("a path check answer: {outcome:?}") };
    assert!(sdp.contains("a=ice-lite") && sdp.contains("127.0.0.1"), "{sdp}");
    let reports = app.media.report().await;
    assert_eq!(reports.len(), 1);
    assert!(reports[0].room.0 != call.0 && reports[0].role == LegRole::Coach, "alone, in no call's room");
    // A second check replaces the first; ending it closes the connection.
    sam.request(Request::CheckAudioPath { offer: coach_offer() }).await;
    assert_eq!(check_legs(&app).await, 1);
    assert_eq!(sam.request(Request::EndAudioCheck).await.0, Outcome::Ok);
    until_no_check_legs(&app).await;
}

#[tokio::test]
async fn a_dropped_socket_closes_its_audio_check() {
    let app = spawn_app().await;
    let mut sam = app.live_client(SAM).await;
    sam.request(Request::Subscribe).await;
    sam.request(Request::CheckAudioPath { offer: coach_offer() }).await;
    assert_eq!(check_legs(&app).await, 1);
    drop(sam);
    until_no_check_legs(&app).await;
}

#[tokio::test]
async fn only_dashboards_check_the_audio_path() {
    let app = spawn_app().await;
    let mut alex = app.live_client(ALEX).await;
    let mut sam = app.live_client(SAM).await;

    let (agent, _) = alex.request(Request::CheckAudioPath { offer: coach_offer() }).await;
    let (unsubscribed, _) = sam.request(Request::CheckAudioPath { offer: coach_offer() }).await;

    for (outcome, code) in [(agent, ErrorCode::AgentsCannotCoach), (unsubscribed, ErrorCode::NoMonitoringAccess)] {
        assert!(matches!(outcome, Outcome::Refused { ref error } if error.code == code), "{outcome:?}");
    }
    assert_eq!(check_legs(&app).await, 0);
}
