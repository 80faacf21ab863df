//! Three nodes of one company in real Chromium: the coach's page from node
//! A, the agent's from B, the caller's from C. The call's audio is on the
//! owner's SFU, A's; whisper works across them and the customer never
//! hears the coach (by listening, and by A's RTP counters).

use earshot_e2e::{fake_microphone, hear, spawn_nodes, Chromedriver};
use earshot_sfu::{LegRole, Traffic};

const CUSTOMER_HZ: u32 = 440;
const AGENT_HZ: u32 = 700;
const COACH_HZ: u32 = 1500;

#[tokio::test]
async fn e2e_whisper_across_three_nodes() {
    let cluster = spawn_nodes("whisper", &["a", "b", "c"]).await;
    let [a, b, c] = &cluster.nodes[..] else { unreachable!("three nodes") };
    let driver = Chromedriver::start().await;
    let (caller, agent) = a.caller_put_through_on(b, c, &driver, &[&fake_microphone(CUSTOMER_HZ)], &[&fake_microphone(AGENT_HZ)]).await;
    let coach = driver.browser(&[&fake_microphone(COACH_HZ)]).await;
    coach.sign_in(a, "sam@earshot.demo").await;
    coach.click("[data-testid=calls] button.coach").await;
    coach.start_listening("[data-testid=join]").await;
    agent.wait_for_text_containing("[data-testid=coached-by]", "Sam Rivera is coaching you").await;
    a.wait_forwarding(LegRole::Coach, LegRole::Customer).await;
    hear(&coach, "customer", CUSTOMER_HZ, &[], "the coach on A hears the caller on C").await;
    hear(&coach, "agent", AGENT_HZ, &[], "the coach on A hears the agent on B").await;

    coach.click("[data-testid=whisper]").await;
    agent.wait_for_text_containing("[data-testid=coached-by]", "Sam Rivera is talking to you").await;
    a.wait_forwarding(LegRole::Agent, LegRole::Coach).await;
    hear(&agent, "coach", COACH_HZ, &[], "the agent on B hears the coach on A").await;
    hear(&caller, "agent", AGENT_HZ, &[COACH_HZ], "the caller on C hears the agent, not the coach").await;
    assert_eq!(a.forwarded(LegRole::Customer, LegRole::Coach).await, Traffic::default(), "not one coach packet reached the customer");
}
