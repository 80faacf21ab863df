//! Seats: a leg joins only into the seat the shell's core granted its
//! holder, and a revoked seat takes its leg and its whisper with it, in
//! whatever order a late join, a late whisper and the revocation arrive.

#[allow(dead_code)] // each test file uses its own part of the world
mod common;

use std::time::Duration;

use common::{seat, World, ROOM, SESSION};
use earshot_sfu::LegRole::{Agent, Coach, Customer};
use earshot_sfu::{JoinError, Seat};

const TALK: Duration = Duration::from_secs(1);

fn a_call() -> World {
    let mut world = World::new();
    world.join(Customer);
    world.join(Agent);
    world
}

fn has_leg(world: &World, role: earshot_sfu::LegRole) -> bool {
    world.sfu.stats(ROOM).iter().any(|(r, _, _)| *r == role)
}

#[test]
fn nobody_joins_a_seat_not_granted_to_them() {
    let mut world = a_call();
    assert!(matches!(world.try_join(Coach, seat(Coach).holder, 2), Err(JoinError::NoSeat)), "no coach was let in");
    world.sfu.grant(ROOM, Coach, seat(Coach));
    assert!(matches!(world.try_join(Coach, 99, 2), Err(JoinError::NoSeat)), "another user's seat");
    assert!(matches!(world.try_join(Agent, 99, 2), Err(JoinError::NoSeat)), "the agent's seat is not anybody's");
    assert_eq!(JoinError::NoSeat.for_client(), JoinError::NO_SEAT);
    world.try_join(Coach, seat(Coach).holder, 2).expect("the granted coach joins");
    assert!(has_leg(&world, Coach));
}

#[test]
fn a_revoked_seat_takes_the_leg_and_the_whisper_with_it() {
    let mut world = a_call();
    world.join(Coach);
    world.sfu.set_whisper(ROOM, SESSION, true);
    world.run(TALK, &[Customer, Agent, Coach]);
    assert!(world.heard(Agent, Coach) > 40 && world.heard(Coach, Customer) > 40, "whispering and listening");

    world.sfu.revoke(ROOM, Coach);
    assert!(!has_leg(&world, Coach), "the coach's leg went with the seat");
    let (to_coach, from_coach) = (world.heard(Coach, Customer) + world.heard(Coach, Agent), world.heard(Agent, Coach));
    world.run(TALK, &[Customer, Agent, Coach]);
    assert_eq!(world.heard(Coach, Customer) + world.heard(Coach, Agent), to_coach, "nothing more reached the coach");
    assert_eq!(world.heard(Agent, Coach), from_coach, "nothing more came from the coach");

    // A join that was on its way, and the old session's late whisper.
    assert!(matches!(world.try_join(Coach, seat(Coach).holder, 2), Err(JoinError::NoSeat)));
    world.sfu.set_whisper(ROOM, SESSION, true);

    // The same coach's next session starts listening, whatever came late.
    let next = Seat { session: SESSION + 1, ..seat(Coach) };
    world.sfu.grant(ROOM, Coach, next);
    world.sfu.set_whisper(ROOM, SESSION, true);
    world.try_join(Coach, next.holder, 2).expect("the new session's coach joins");
    world.run(TALK, &[Coach]);
    assert_eq!(world.heard(Agent, Coach), from_coach, "the old session's whisper reached nobody");
    world.sfu.set_whisper(ROOM, next.session, true);
    world.run(TALK, &[Coach]);
    assert!(world.heard(Agent, Coach) > from_coach + 40, "the new session whispers");
}

#[test]
fn a_dropped_connection_keeps_its_seat() {
    let mut world = a_call();
    world.join(Coach);
    world.leave(Coach);
    assert!(!has_leg(&world, Coach));
    world.try_join(Coach, seat(Coach).holder, 2).expect("back into the seat it kept");
    world.run(TALK, &[Customer]);
    assert!(world.heard(Coach, Customer) > 40);
}

#[test]
fn a_new_agent_seat_drops_the_old_agent_and_a_closed_room_stays_closed() {
    let mut world = a_call();
    world.sfu.grant(ROOM, Agent, Seat { holder: 42, session: 0 });
    assert!(!has_leg(&world, Agent), "the transferred agent's leg went");
    assert!(matches!(world.try_join(Agent, seat(Agent).holder, 2), Err(JoinError::NoSeat)));

    world.sfu.close_room(ROOM);
    world.sfu.set_hold(ROOM, true);
    world.sfu.set_whisper(ROOM, SESSION, true);
    assert_eq!(world.sfu.rooms().count(), 0, "late words open no room");
    assert!(matches!(world.try_join(Customer, seat(Customer).holder, 1), Err(JoinError::NoSeat)));
}
