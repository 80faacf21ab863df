//! The spotter on synthetic speech (espeak-ng), with Debian's model: listed
//! phrases are found, dated to when they ended, and nothing else is.

use earshot_phrases::{speech, Error, Listening, Model, Spotted, DEBIAN_MODEL, SAMPLE_RATE};

const FRAME: usize = SAMPLE_RATE as usize / 50;

fn listening(phrases: &[&str]) -> Listening {
    let model = Model::load(DEBIAN_MODEL.as_ref()).expect("Debian's pocketsphinx-en-us (cargo xtask test installs it)");
    model.listen_for(&phrases.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap()
}

fn say(text: &str) -> Vec<i16> {
    speech::say(text, SAMPLE_RATE).unwrap()
}

/// Feeds `audio` 20 ms at a time; each phrase spotted with the sample it
/// ended at, by the spotter's account, and the sample it was told at.
fn spot(listening: &Listening, audio: &[i16]) -> Vec<(String, usize, usize)> {
    let mut spotter = listening.spotter().unwrap().expect("phrases to spot");
    let mut found = Vec::new();
    for (i, frame) in audio.chunks(FRAME).enumerate() {
        let fed = i * FRAME + frame.len();
        for Spotted { phrase, ended_ms_ago } in spotter.feed(frame) {
            found.push((phrase, fed - ended_ms_ago as usize * SAMPLE_RATE as usize / 1000, fed));
        }
    }
    found
}

#[test]
fn a_listed_phrase_is_spotted_soon_after_it_ends_and_dated_to_its_end() {
    let listening = listening(&["cancel my account", "speak to a manager", "complaint"]);
    let mut audio = say("The parcel arrived on Tuesday, but it was broken.");
    let phrase = say("So I want to cancel my account.");
    let phrase_end = audio.len() + speech::end(&phrase);
    audio.extend(phrase);
    audio.extend(say("Thank you."));

    let found = spot(&listening, &audio);
    let [(phrase, ended, told)] = &found[..] else { panic!("one phrase: {found:?}") };
    assert_eq!(phrase, "cancel my account");
    let ms = |samples: i64| samples * 1000 / i64::from(SAMPLE_RATE);
    assert!(ms(*ended as i64 - phrase_end as i64).abs() <= 300, "dated to its end: {} ms off", ms(*ended as i64 - phrase_end as i64));
    assert!(ms(*told as i64 - phrase_end as i64) <= 1_000, "told {} ms after it ended", ms(*told as i64 - phrase_end as i64));
}

#[test]
fn every_listed_phrase_is_spotted_each_time_it_is_said() {
    let listening = listening(&["cancel my account", "speak to a manager", "complaint"]);
    let audio = say("Let me speak to a manager. I want to cancel my account. I want to make a complaint about the service. I said, speak to a manager.");
    let found: Vec<String> = spot(&listening, &audio).into_iter().map(|(phrase, ..)| phrase).collect();
    assert_eq!(found, ["speak to a manager", "cancel my account", "complaint", "speak to a manager"]);
}

#[test]
fn speech_without_a_listed_phrase_raises_nothing() {
    let listening = listening(&["cancel my account", "speak to a manager", "complaint"]);
    let audio = say(
        "Hi, I am calling about my bill from last month. The amount looks higher than usual and I would like to \
         understand why. I moved house in March and the new address is forty two Station Road. Could you check \
         whether the discount was applied? My broadband was slow on Tuesday evening, but it is fine now. The engineer \
         was very polite. Thank you, that is all for today, have a nice afternoon.",
    );
    assert_eq!(spot(&listening, &audio), []);
}

#[test]
fn a_phrase_with_a_word_the_model_does_not_know_is_refused_and_no_list_spots_nothing() {
    let model = Model::load(DEBIAN_MODEL.as_ref()).unwrap();
    let refused = model.listen_for(&["cancel my zorptastic plan".to_owned()]).err();
    assert!(matches!(&refused, Some(Error::UnknownWord { word, .. }) if word == "zorptastic"), "{refused:?}");
    assert!(model.listen_for(&[]).unwrap().spotter().unwrap().is_none());
    assert!(matches!(Model::load("/nowhere".as_ref()), Err(Error::NoModel(_))));
}
