//! The whisper guarantee with real str0m peers: customer, agent and coach
//! browsers connected to the SFU in memory.

#[allow(dead_code)] // each test file uses its own part of the world
mod common;

use std::time::Duration;

use common::{World, ROOM, SESSION};
use earshot_sfu::LegRole::{Agent, Coach, Customer};

const TALK: Duration = Duration::from_secs(2);
/// Long enough for frames already on the wire to land.
const SETTLE: Duration = Duration::from_millis(200);

fn call_with_coach() -> World {
    let mut world = World::new();
    world.join(Customer);
    world.join(Agent);
    world.join(Coach);
    world
}

#[test]
fn sfu_never_forwards_coach_to_customer() {
    let mut world = call_with_coach();
    let everyone = [Customer, Agent, Coach];

    // Listening: the coach talks anyway (a hostile or careless client).
    world.run(TALK, &everyone);
    world.run(SETTLE, &[]);
    assert!(world.heard(Agent, Customer) > 80, "agent hears customer");
    assert!(world.heard(Customer, Agent) > 80, "customer hears agent");
    assert!(world.heard(Coach, Customer) > 80 && world.heard(Coach, Agent) > 80, "coach hears both");
    assert_eq!(world.heard(Agent, Coach), 0, "no whisper yet: agent does not hear the coach");

    // Whispering: the agent hears the coach; the customer still never does.
    world.sfu.set_whisper(ROOM, SESSION, true);
    world.run(TALK, &everyone);
    world.sfu.set_whisper(ROOM, SESSION, false);
    world.run(SETTLE, &[]);
    let whispered = world.heard(Agent, Coach);
    assert!(whispered > 80, "agent hears the whisper ({whispered})");

    // Listening again: the coach keeps talking, the agent hears no more.
    world.run(TALK, &everyone);
    assert_eq!(world.heard(Agent, Coach), whispered, "whisper off takes effect on the next packet");

    assert_eq!(world.heard(Customer, Coach), 0, "the customer never heard the coach");
    let customer_stats = world.sfu.stats(ROOM).into_iter().find(|(role, _, _)| *role == Customer).unwrap().2;
    assert!(!customer_stats.forwarded_to_it.contains_key(&Coach), "no coach packet was ever forwarded to the customer");
}

#[test]
fn whisper_survives_leave_and_rejoin_in_any_order() {
    let mut world = call_with_coach();
    world.sfu.set_whisper(ROOM, SESSION, true);
    world.run(TALK, &[Coach]);
    world.leave(Coach);
    world.run(TALK, &[Customer, Agent]);
    world.join(Coach);
    world.run(TALK, &[Coach, Customer]);
    world.sfu.set_whisper(ROOM, SESSION, false);
    world.leave(Customer);
    world.join(Customer);
    world.run(TALK, &[Coach, Agent]);

    assert_eq!(world.heard(Customer, Coach), 0);
    assert!(world.heard(Agent, Coach) > 0, "the agent heard the whisper after the rejoin");
}

#[test]
fn counters_report_what_each_leg_sent_and_was_sent() {
    let mut world = call_with_coach();

    world.run(TALK, &[Customer]);

    let stats = world.sfu.stats(ROOM);
    let of = |role| stats.iter().find(|(r, _, _)| *r == role).unwrap().2.clone();
    assert!(of(Customer).received.packets > 80);
    assert!(of(Agent).forwarded_to_it[&Customer].packets > 80);
    assert!(of(Coach).forwarded_to_it[&Customer].packets > 80);
    assert!(of(Customer).forwarded_to_it.is_empty(), "nobody else spoke");
    assert!(stats.iter().all(|(_, connected, _)| *connected));
}

#[test]
fn a_hostile_customer_offering_extra_receive_lines_still_never_hears_the_coach() {
    let mut world = World::new();
    world.join_with_lines(Customer, 4);
    world.join(Agent);
    world.join(Coach);
    world.sfu.set_whisper(ROOM, SESSION, true);

    world.run(TALK, &[Customer, Agent, Coach]);

    assert!(world.heard(Customer, Agent) > 80);
    assert_eq!(world.heard(Customer, Coach), 0);
}

#[test]
fn hold_cuts_the_customer_off_both_ways_while_agent_and_coach_go_on() {
    let mut world = call_with_coach();
    let everyone = [Customer, Agent, Coach];
    world.sfu.set_hold(ROOM, true);
    world.sfu.set_whisper(ROOM, SESSION, true);

    world.run(TALK, &everyone);
    world.run(SETTLE, &[]);
    for (to, from) in [(Agent, Customer), (Coach, Customer), (Customer, Agent), (Customer, Coach)] {
        assert_eq!(world.heard(to, from), 0, "on hold: {to:?} hears nothing from {from:?}");
    }
    assert!(world.heard(Coach, Agent) > 80 && world.heard(Agent, Coach) > 80, "agent and coach talk during the hold");

    world.sfu.set_hold(ROOM, false);
    world.run(TALK, &everyone);
    assert!(world.heard(Agent, Customer) > 80 && world.heard(Customer, Agent) > 80, "off hold, the call goes on");
    assert_eq!(world.heard(Customer, Coach), 0);
}

#[test]
fn listening_overhears_customer_and_agent_and_never_the_coach() {
    let mut world = call_with_coach();
    world.sfu = std::mem::replace(&mut world.sfu, earshot_sfu::Sfu::new("127.0.0.1:9".parse().unwrap())).with_listening();
    world.sfu.set_whisper(ROOM, SESSION, true);
    world.run(TALK, &[Customer, Agent, Coach]);

    let heard: Vec<_> = std::iter::from_fn(|| world.sfu.poll_heard()).collect();
    let from = |role| heard.iter().filter(|h| h.from == role && h.room == ROOM && !h.opus.is_empty()).count();
    assert!(from(Customer) > 80 && from(Agent) > 80, "both parties' frames: {} and {}", from(Customer), from(Agent));
    assert_eq!(from(Coach), 0, "the coach is never listened to");
}
