//! The scenarios behind `tests/vectors/sessions/`: a scene, and per connection the Welcome
//! config and a controller policy. Blessing runs each policy against the Requestor and writes
//! the replies it chose and the ticks the Requestor sent; replay uses only the written file.

use super::AgentSpec;
use ai4u_core::wire::{AgentConfig, AgentState, AgentStatus, Mode, Tick};
use ai4u_core::{Field, Value};
use std::collections::{HashMap, VecDeque};

#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// `move` with the float array `[x]`.
    Act(f32),
    /// Several actuators in one decision (an `Act` with no name, one field per actuator),
    /// each with the float array `[x]`, in this order.
    Acts(Vec<(String, f32)>),
    /// With an optional `done_at` reset field (the scene's episode length in frames).
    Reset(Option<i64>),
    Wait,
    Pause,
    Resume,
    Stop,
}

pub enum End {
    /// The controller stops every agent; the engine must say Bye.
    Bye,
    /// The controller closes the connection when tick `k` (counted from 0) arrives.
    CloseAt(usize),
}

pub type Policy = Box<dyn FnMut(&Tick) -> Vec<(String, Cmd)> + Send>;
/// At a seq, what the listed agents get instead (`None`: left out of the reply).
type Override<'a> = (u64, &'a [(&'a str, Option<Cmd>)]);
type OwnedOverride = (u64, Vec<(String, Option<Cmd>)>);

pub struct Session {
    pub mode: Mode,
    pub config: Vec<AgentConfig>,
    pub policy: Policy,
    pub end: End,
}

pub struct Scenario {
    pub name: &'static str,
    pub note: &'static str,
    pub frame_skip: u32,
    pub repeat_action: bool,
    pub agents: Vec<AgentSpec>,
    pub sessions: Vec<Session>,
}

fn agent(id: &str, max_steps: u32, reward: f32, done_at: i64) -> AgentSpec {
    AgentSpec { id: id.into(), max_steps, reward, done_at }
}

fn ended(s: &AgentState) -> bool {
    matches!(s.status, AgentStatus::NewEpisode | AgentStatus::Step) && (s.done || s.truncated)
}

/// A batch controller such as `VecEnv`: every agent that needs an action gets one (agent k
/// acts `k + 1`), an agent whose episode ended (or that is idle) is reset at once with the
/// next episode length of its plan, and stopped when its plan is used up.
fn vec_env(plan: &[(&str, &[i64])]) -> Policy {
    let mut left: HashMap<String, (f32, VecDeque<i64>)> = plan
        .iter()
        .enumerate()
        .map(|(k, (id, eps))| (id.to_string(), ((k + 1) as f32, eps.iter().copied().collect())))
        .collect();
    Box::new(move |t| {
        let mut out = vec![];
        for s in &t.agents {
            let Some((x, eps)) = left.get_mut(&s.id) else { continue };
            let c = if s.status == AgentStatus::Idle || ended(s) {
                match eps.pop_front() {
                    Some(0) => Cmd::Reset(None),
                    Some(d) => Cmd::Reset(Some(d)),
                    None => Cmd::Stop,
                }
            } else if s.needs_action() {
                Cmd::Act(*x)
            } else {
                Cmd::Wait
            };
            out.push((s.id.clone(), c));
        }
        out
    })
}

/// `base`, except at the listed seqs, where the listed agents get the listed commands (an
/// agent given `None` is left out of the reply).
fn with(mut base: Policy, overrides: &[Override]) -> Policy {
    let overrides: Vec<OwnedOverride> =
        overrides.iter().map(|(s, o)| (*s, o.iter().map(|(id, c)| (id.to_string(), c.clone())).collect())).collect();
    Box::new(move |t| {
        let here: Vec<&(String, Option<Cmd>)> =
            overrides.iter().filter(|(s, _)| *s == t.seq).flat_map(|(_, o)| o.iter()).collect();
        // The base policy does not see the overridden agents, so their plans stay untouched.
        let mut rest = t.clone();
        rest.agents.retain(|a| !here.iter().any(|(id, _)| *id == a.id));
        let mut out = base(&rest);
        out.extend(here.iter().filter_map(|(id, c)| c.clone().map(|c| (id.clone(), c))));
        out
    })
}

fn lockstep(policy: Policy) -> Session {
    Session { mode: Mode::Lockstep, config: vec![], policy, end: End::Bye }
}

fn realtime(policy: Policy) -> Session {
    Session { mode: Mode::Realtime, config: vec![], policy, end: End::Bye }
}

fn config(id: &str, fields: Vec<(&str, Value)>) -> AgentConfig {
    AgentConfig { id: id.into(), fields: fields.into_iter().map(|(n, v)| Field::new(n, v)).collect() }
}

fn scenario(
    name: &'static str,
    note: &'static str,
    frame_skip: u32,
    repeat_action: bool,
    agents: Vec<AgentSpec>,
    sessions: Vec<Session>,
) -> Scenario {
    Scenario { name, note, frame_skip, repeat_action, agents, sessions }
}

pub fn all() -> Vec<Scenario> {
    use Cmd::*;
    let mut v = vec![
        scenario(
            "basic_episode",
            "One agent, frame skip 1: idle, Reset, new episode, steps until the scene's done rule (3 frames), idle, a second episode, Stop, Bye.",
            1, true,
            vec![agent("a", 0, 0.5, 3)],
            vec![lockstep(vec_env(&[("a", &[0, 2])]))],
        ),
        scenario(
            "lockstep_staggered_two",
            "The VecEnv case: two agents in lockstep, frame skip 4, episodes of different lengths. An agent reset while the other is mid-decision reports its new episode in the same tick as the other's next decision.",
            4, true,
            vec![agent("a", 0, 0.5, 9), agent("b", 0, 0.25, 14)],
            vec![lockstep(vec_env(&[("a", &[9, 6, 13]), ("b", &[14, 10, 7])]))],
        ),
        scenario(
            "lockstep_staggered_four",
            "Four agents in lockstep, frame skip 2, every episode a different length: resets at four different moments stay aligned with the running agents' decisions.",
            2, true,
            vec![agent("a", 0, 1.0, 5), agent("b", 0, -0.125, 7), agent("c", 0, 0.25, 3), agent("d", 0, 2.0, 11)],
            vec![lockstep(vec_env(&[("a", &[5, 9, 4]), ("b", &[7, 3, 8]), ("c", &[3, 3, 3, 3]), ("d", &[11, 6])]))],
        ),
        scenario(
            "lockstep_early_end_not_a_decision",
            "Three agents in lockstep, frame skip 4: a ends in mid-period and is reset; then b ends in mid-period while c is still deciding. b's early end is no decision, so a's new episode does not report with it (a batch stepping a, b and c would wait on itself: a would want the next batch's action before c answered this one); a and b report their new episodes with c's next decision.",
            4, true,
            vec![agent("a", 0, 0.5, 2), agent("b", 0, 0.25, 4), agent("c", 0, 1.0, 13)],
            vec![lockstep(vec_env(&[("a", &[2, 3]), ("b", &[4, 6]), ("c", &[13])]))],
        ),
        scenario(
            "reset_while_running",
            "The controller resets agent a in mid-episode (a was due, not ended) while b runs with frame skip 3: a's new episode comes with b's next decision.",
            3, true,
            vec![agent("a", 0, 0.5, 0), agent("b", 0, 0.25, 0)],
            vec![lockstep(with(vec_env(&[("a", &[0]), ("b", &[0])]), &[
                (3, &[("a", Some(Reset(Some(20))))]),
                (6, &[("a", Some(Stop)), ("b", Some(Stop))]),
            ]))],
        ),
        scenario(
            "new_episode_at_once",
            "A reset agent reports at once when no other agent is running: first b is idle (Wait), later b is paused; after b resumes, a's next new episode waits for b's decision again.",
            2, true,
            vec![agent("a", 0, 0.5, 4), agent("b", 0, 0.25, 0)],
            vec![lockstep(with(vec_env(&[("a", &[4, 4, 5, 4]), ("b", &[14])]), &[
                (0, &[("b", Some(Wait))]),
                (2, &[("b", Some(Pause))]),
                (6, &[("b", Some(Resume))]),
            ]))],
        ),
        scenario(
            "truncation_max_steps",
            "max_steps 3 from the Hello, frame skip 2: the third step is truncated; the Reset in the reply to it starts the next episode at once.",
            2, true,
            vec![agent("a", 3, 0.5, 0)],
            vec![lockstep(vec_env(&[("a", &[0, 0])]))],
        ),
        scenario(
            "done_on_last_step",
            "The scene's done rule fires on the decision that reaches max_steps: done, not truncated.",
            2, true,
            vec![agent("a", 2, 1.0, 4)],
            vec![lockstep(vec_env(&[("a", &[4, 3])]))],
        ),
        scenario(
            "done_mid_period",
            "Frame skip 4 and an episode that ends 2 frames into a decision: the done tick comes at once, with 2 frames of reward.",
            4, true,
            vec![agent("a", 0, 0.5, 7), agent("b", 0, 0.25, 0)],
            vec![lockstep(with(vec_env(&[("a", &[7, 6]), ("b", &[0])]), &[(8, &[("b", Some(Stop))])]))],
        ),
        scenario(
            "frame_skip_repeat",
            "Frame skip 3 with repeat_action: the action is applied on all 3 frames of a decision.",
            3, true,
            vec![agent("a", 4, 0.5, 0), agent("b", 4, 0.25, 0)],
            vec![lockstep(vec_env(&[("a", &[0]), ("b", &[0])]))],
        ),
        scenario(
            "frame_skip_no_repeat",
            "Frame skip 3 without repeat_action: the action is applied on the first frame of a decision only.",
            3, false,
            vec![agent("a", 4, 0.5, 0), agent("b", 4, 0.25, 0)],
            vec![lockstep(vec_env(&[("a", &[0]), ("b", &[0])]))],
        ),
        scenario(
            "several_actuators",
            "One decision drives several actuators: an Act with no name whose fields name the actuators (move, turn), each applied on every frame of the period; an actuator the decision does not name is not applied; an unknown name (jump) is ignored.",
            2, true,
            vec![agent("a", 6, 0.5, 0)],
            vec![lockstep(with(vec_env(&[("a", &[0])]), &[
                (1, &[("a", Some(Acts(vec![("move".into(), 1.0), ("turn".into(), 0.5)])))]),
                (2, &[("a", Some(Act(2.0)))]),
                (3, &[("a", Some(Acts(vec![("turn".into(), 0.25)])))]),
                (4, &[("a", Some(Acts(vec![("jump".into(), 3.0), ("move".into(), 1.0), ("turn".into(), 1.0)])))]),
            ]))],
        ),
        scenario(
            "several_actuators_realtime_no_repeat",
            "Several actuators in realtime without repeat_action: each named actuator is applied on the first frame of the decision only, and a Wait continues the period without applying any.",
            2, false,
            vec![agent("a", 0, 0.5, 0)],
            vec![realtime(with(vec_env(&[("a", &[0])]), &[
                (1, &[("a", Some(Acts(vec![("move".into(), 1.0), ("turn".into(), 0.5)])))]),
                (2, &[("a", Some(Wait))]),
                (3, &[("a", Some(Acts(vec![("turn".into(), 2.0)])))]),
                (4, &[("a", Some(Stop))]),
            ]))],
        ),
        scenario(
            "pause_resume",
            "Pause a while b runs: a paused agent is in every tick (with its readings), takes no action (an Act is ignored) and no step; Resume makes it due at once. A pause right after a reset keeps the new episode pending.",
            2, true,
            vec![agent("a", 0, 0.5, 0), agent("b", 0, 0.25, 0)],
            vec![lockstep(with(vec_env(&[("a", &[0, 0]), ("b", &[0])]), &[
                (3, &[("a", Some(Pause))]),
                (4, &[("a", Some(Act(5.0)))]),
                (5, &[("a", Some(Wait))]),
                (6, &[("a", Some(Resume))]),
                (9, &[("a", Some(Reset(None)))]),
                (10, &[("a", Some(Pause))]),
                (11, &[("a", Some(Resume))]),
                (16, &[("a", Some(Stop)), ("b", Some(Stop))]),
            ]))],
        ),
        scenario(
            "stop_one_while_others_run",
            "Three agents; b is stopped while a and c run: it never appears again and later commands for it are ignored; the Bye comes when the last agent is stopped.",
            2, true,
            vec![agent("a", 0, 0.5, 7), agent("b", 0, 0.25, 0), agent("c", 0, 1.0, 5)],
            vec![lockstep(with(vec_env(&[("a", &[7, 7]), ("b", &[0]), ("c", &[5, 5])]), &[
                (2, &[("b", Some(Stop))]),
                (4, &[("b", Some(Reset(None)))]),
            ]))],
        ),
        scenario(
            "lockstep_wait",
            "Lockstep Wait for an agent that is due means no decision yet: it is reported again on the next frame with the same steps, and a new episode stays new; a reply that leaves the agent out is the same as Wait.",
            2, true,
            vec![agent("a", 0, 0.5, 0)],
            vec![lockstep(with(vec_env(&[("a", &[0])]), &[
                (1, &[("a", Some(Wait))]),
                (2, &[("a", None)]),
                (5, &[("a", Some(Wait))]),
                (6, &[("a", None)]),
                (9, &[("a", Some(Stop))]),
            ]))],
        ),
        scenario(
            "realtime_wait",
            "Realtime, frame skip 2 with repeat: Wait for a due agent keeps its last action going for another period without counting a step; a Wait before the first action leaves the agent due; a reply that leaves the agent out is the same as Wait.",
            2, true,
            vec![agent("a", 0, 0.5, 0)],
            vec![realtime(with(vec_env(&[("a", &[0])]), &[
                (1, &[("a", Some(Wait))]),
                (2, &[("a", None)]),
                (4, &[("a", Some(Wait))]),
                (5, &[("a", None)]),
                (8, &[("a", Some(Stop))]),
            ]))],
        ),
        scenario(
            "realtime_wait_no_repeat",
            "Realtime without repeat_action: a Wait continues the decision period but does not apply the action again.",
            3, false,
            vec![agent("a", 0, 0.5, 0)],
            vec![realtime(with(vec_env(&[("a", &[0])]), &[
                (2, &[("a", Some(Wait))]),
                (3, &[("a", Some(Wait))]),
                (5, &[("a", Some(Stop))]),
            ]))],
        ),
        scenario(
            "realtime_staggered",
            "Realtime, two agents with staggered episodes: the aligned-episodes rule holds in realtime too.",
            3, true,
            vec![agent("a", 0, 0.5, 5), agent("b", 0, 0.25, 11)],
            vec![realtime(vec_env(&[("a", &[5, 8]), ("b", &[11])]))],
        ),
        scenario(
            "commands_not_in_tick_ignored",
            "Commands for an agent that is not in the tick (a is mid-decision, frame skip 4) and for an unknown id are ignored; b decides every frame (Welcome frame_skip 1).",
            4, true,
            vec![agent("a", 0, 0.5, 10), agent("b", 0, 0.25, 0)],
            vec![Session {
                mode: Mode::Lockstep,
                config: vec![config("b", vec![("frame_skip", Value::Int(1))])],
                policy: with(vec_env(&[("a", &[10]), ("b", &[0])]), &[
                    (2, &[("a", Some(Stop)), ("ghost", Some(Stop))]),
                    (3, &[("a", Some(Reset(None)))]),
                    (4, &[("a", Some(Pause))]),
                    (7, &[("a", Some(Stop)), ("b", Some(Stop))]),
                ]),
                end: End::Bye,
            }],
        ),
        scenario(
            "act_when_not_running_ignored",
            "An Act for an idle agent is ignored (it stays idle), and so is an Act in the reply to an episode's last tick; Reset of a paused agent starts a new episode.",
            1, true,
            vec![agent("a", 2, 0.5, 0)],
            vec![lockstep(with(vec_env(&[("a", &[0, 0, 0])]), &[
                (0, &[("a", Some(Act(3.0)))]),
                (4, &[("a", Some(Act(3.0)))]),
                (7, &[("a", Some(Pause))]),
                (8, &[("a", Some(Reset(None)))]),
            ]))],
        ),
    ];
    v.extend(welcome_scenarios());
    v.push(scenario(
        "reconnect_after_close",
        "The controller closes the connection mid-episode; the engine connects again: a new Hello, seq from 0, every agent idle, the new Welcome's config in force and the old one's gone (b had frame_skip 1 on the first connection); the scene itself carries on (episode counter).",
        2, true,
        vec![agent("a", 0, 0.5, 0), agent("b", 0, 0.25, 9)],
        vec![
            Session {
                mode: Mode::Lockstep,
                config: vec![config("b", vec![("frame_skip", Value::Int(1))])],
                policy: vec_env(&[("a", &[0]), ("b", &[9])]),
                end: End::CloseAt(7),
            },
            Session {
                mode: Mode::Lockstep,
                config: vec![config("a", vec![("frame_skip", Value::Int(1)), ("max_steps", Value::Int(3))])],
                policy: vec_env(&[("a", &[0]), ("b", &[5])]),
                end: End::Bye,
            },
        ],
    ));
    v
}

fn welcome_scenarios() -> Vec<Scenario> {
    vec![
        scenario(
            "welcome_config",
            "Each Welcome config field: a gets max_steps 2, frame_skip 3 and repeat_action false; b frame_skip 1 and an unknown field; c max_steps 0 (no limit, overriding the Hello's 2); d no config (defaults).",
            2, true,
            vec![agent("a", 0, 0.5, 0), agent("b", 5, 0.25, 0), agent("c", 2, 1.0, 9), agent("d", 3, 2.0, 0)],
            vec![Session {
                mode: Mode::Lockstep,
                config: vec![
                    config("a", vec![("max_steps", Value::Int(2)), ("frame_skip", Value::Int(3)), ("repeat_action", Value::Bool(false))]),
                    config("b", vec![("frame_skip", Value::Int(1)), ("colour", Value::String("red".into()))]),
                    config("c", vec![("max_steps", Value::Int(0))]),
                ],
                policy: vec_env(&[("a", &[0]), ("b", &[0]), ("c", &[0]), ("d", &[0])]),
                end: End::Bye,
            }],
        ),
        scenario(
            "welcome_leniency",
            "Config values of the wrong kind or out of range are ignored (the Hello's max_steps and the engine's frame skip stay): max_steps as a float, -1 or 2^32; frame_skip as a bool or -2; repeat_action as an int. frame_skip 0 counts as 1; of two fields with the same name the first counts; a config for an id the Hello did not declare is ignored.",
            2, true,
            vec![agent("a", 2, 0.5, 0), agent("b", 2, 0.25, 0), agent("c", 2, 1.0, 0)],
            vec![Session {
                mode: Mode::Lockstep,
                config: vec![
                    config("ghost", vec![("max_steps", Value::Int(1))]),
                    config("a", vec![("max_steps", Value::Float(1.0)), ("frame_skip", Value::Bool(true)), ("repeat_action", Value::Int(0))]),
                    config("b", vec![("max_steps", Value::Int(-1)), ("frame_skip", Value::Int(0)), ("frame_skip", Value::Int(3))]),
                    config("c", vec![("max_steps", Value::Int(1 << 32)), ("frame_skip", Value::Int(-2)), ("max_steps", Value::Int(1))]),
                ],
                policy: vec_env(&[("a", &[0]), ("b", &[0]), ("c", &[0])]),
                end: End::Bye,
            }],
        ),
    ]
}
